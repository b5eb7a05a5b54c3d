//! The Genesys Cloud Guest Chat API v2: wire types and event-stream frame decoding.
