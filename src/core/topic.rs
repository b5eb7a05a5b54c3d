//! Event names: Journey `'webchat:all'`, bus `'WebChatService.ready'`, embedded `'smcc:task:ring'`.
