// WebChatService as a page configures it before the bundle, but pointed at a path of the emulator that answers
// 404: the hostile family's startChat calls must not open real chats. window.chatWorks() reconfigures it for the
// emulator's Guest Chat API afterwards.
window._genesys = {
  widgets: {
    webchat: {
      transport: {
        type: 'purecloud-v2-sockets',
        dataURL: location.origin + '/nowhere',
        deploymentKey: 'KEY',
        orgGuid: 'ORG',
        interactionData: { routing: { targetType: 'QUEUE', targetAddress: 'Support' } },
      },
    },
  },
};
