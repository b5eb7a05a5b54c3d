// The embedded UI simulator: posts the vendor's smcc:* events (the vendor's "Event List", example values verbatim) to the parent
// window, with targetOrigin = the parent's exact origin from ?parent=. Tests drive it through `window.sim`.
(function () {
  const ID = '59709e1d367b6875d7';
  const INTERVENTION = {
    id: ID, authorId: ID, threadId: ID, inReplyToAuthorId: ID, inReplyToId: ID, interventionId: ID,
    updatedAt: 1525856019.895, sourceId: ID,
  };
  const EVENTS = {
    'smcc:content:reply': {
      inReplyToId: ID, inReplyToAuthorId: ID, threadId: ID, interventionId: ID, firstIdentityId: ID, sourceId: ID,
      lastUpdatedContentAt: 1525856019.895,
    },
    'smcc:content:initiate_discussion': { body: 'Hello', sourceId: ID },
    'smcc:content:intervention_opened': INTERVENTION,
    'smcc:content:intervention_closed': INTERVENTION,
    'smcc:content_thread:selected': { id: ID, lastContentId: ID, firstIdentityId: ID },
    'smcc:identity:show': { id: ID, threadId: ID, interventionId: ID, taskID: ID },
    'smcc:task:selected': {
      Id: ID, contentId: ID, identityId: ID, interventionId: ID, sourceId: ID, queue: 'workbin',
    },
    'smcc:task:ring': {
      Id: ID, contentId: ID, identityId: ID, interventionId: ID, sourceId: ID, queue: 'global', body: 'bonjour',
      author: 'Martin Martin',
    },
    'smcc:task:missed': { Id: ID, contentId: ID, identityId: ID, interventionId: ID, sourceId: ID, queue: 'global' },
    'smcc:task:updated': {
      Id: ID, channelId: ID, contentId: ID, contentThreadId: ID, identityId: ID, interventionId: ID, sourceId: ID,
      queue: 'workbin_56d4581f77656276e9000323', segmentIndex: 1, lastIdentityContentBody: 'Hello World',
      lastIdentityContentCreatedAt: '2020-07-08 11:21:09 +0200', waitingForUser: false,
      identitySignature: 'Anonyme',
      identityAvatarUrl: 'https://domain-test.engagement.dimelo.com/assets/default_avatar/thumb-412009.png',
    },
    'smcc:user:disconnected': {},
  };

  const target = document.getElementById('target');
  const posted = document.getElementById('posted');
  let parentOrigin = null;
  try {
    const given = new URLSearchParams(location.search).get('parent');
    if (given && new URL(given).origin === given) parentOrigin = given;
  } catch (_) {
    parentOrigin = null;
  }
  target.textContent = parentOrigin
    ? `Posting to the parent at ${parentOrigin} (this frame is ${location.origin}).`
    : 'No ?parent=<origin> given: nothing will be posted.';

  function postRaw(message) {
    if (!parentOrigin) throw new Error('embedded-sim: no ?parent=<origin> given');
    window.parent.postMessage(message, parentOrigin);
  }
  function post(name, data) {
    postRaw({ name, data });
    const li = document.createElement('li');
    li.textContent = name;
    posted.appendChild(li);
    if (posted.children.length > 50) posted.removeChild(posted.firstChild);
  }

  const box = document.getElementById('events');
  for (const name of Object.keys(EVENTS)) {
    const button = document.createElement('button');
    button.type = 'button';
    button.textContent = name;
    button.dataset.event = name;
    button.disabled = !parentOrigin;
    button.addEventListener('click', () => post(name, JSON.parse(JSON.stringify(EVENTS[name]))));
    box.appendChild(button);
  }

  window.sim = { events: EVENTS, post, postRaw, parentOrigin };
})();
