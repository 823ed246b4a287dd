//! Many Genesys orgs served by one deployment (`COBROWSE_ORGS_FILE`), each sealed off from
//! the others.

pub mod file;
