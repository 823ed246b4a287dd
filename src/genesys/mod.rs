//! Everything that talks to Genesys Cloud: where it is (`region`), how to reach it
//! (`transport`), the OAuth token (`token`), and the cobrowse call itself (`client`).

pub mod client;
pub mod error_body;
pub mod region;
pub mod token;
pub mod transport;

pub use client::GenesysClient;
