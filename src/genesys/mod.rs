//! Everything that talks to Genesys Cloud: where it is (`region`), how to reach it
//! (`transport`), the OAuth token (`token`), who is on a conversation (`conversation`),
//! and the calls one start makes (`client`).

pub mod client;
pub mod conversation;
pub mod error_body;
pub mod region;
pub mod token;
pub mod transport;

pub use client::GenesysClient;
