//! Analytics: the event envelope, CIF `logAnalyticsEvent` validation, and the batch / retry / backoff policy.
