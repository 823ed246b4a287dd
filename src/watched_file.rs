//! Files read again when they change without a restart (the orgs file, the served
//! certificate and key): which version of a file a path leads to, and how often it is looked at.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::time::{Duration, SystemTime};

/// How often a watched file is looked at for a change: Kubernetes rewrites a mounted Secret by
/// swapping a symlink, which no inotify watch on the file itself would see, so the file is
/// looked up by its path each time (one `stat`, nothing read unless it changed).
pub const WATCH_EVERY: Duration = Duration::from_secs(1);

/// One version of the file behind a path (symlinks followed): another file, another size or
/// another modification time is another version. Kubernetes rewrites a mounted Secret by
/// swapping a symlink, so the path is looked up each time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Version(Option<(u64, u64, u64, Option<SystemTime>)>);

impl Version {
    pub fn of(path: &Path) -> Self {
        Version(
            std::fs::metadata(path)
                .ok()
                .map(|meta| (meta.dev(), meta.ino(), meta.len(), meta.modified().ok())),
        )
    }
}

/// Enough to tell what a watched file says from what it said before, so a new version saying
/// the same is not taken again; never shown (a watched file holds secrets).
pub fn digest(said: &(impl Hash + ?Sized)) -> u64 {
    let mut hasher = DefaultHasher::new();
    said.hash(&mut hasher);
    hasher.finish()
}
