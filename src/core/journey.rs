//! The Journey SDK's web actions: the media-type × state table and the lifecycle state machine of an action.
