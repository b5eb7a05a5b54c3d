// Plays the Engage Digital embedded UI inside tests/pages/reliability.html: asked with 'ring', it posts the seed's
// smcc:task:ring event to its parent, then 'sent'.
window.addEventListener('message', (e) => {
  if (e.source !== parent || e.data !== 'ring') return;
  parent.postMessage({ name: 'smcc:task:ring', data: {
    Id: 'T-1', contentId: 'c', identityId: 'i', interventionId: 'v', sourceId: 's', queue: 'q', body: 'hello', author: 'Ann',
  } }, e.origin);
  parent.postMessage('sent', e.origin);
});
