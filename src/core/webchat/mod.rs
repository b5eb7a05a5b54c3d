//! WebChatService: the chat session state machine, transcript, agents, filters and typing.
