//! Each org's share of the instance's calls in flight, kept across reloads.
//!
//! With an orgs file, an org holds at most [`org_share`](super::org_share) of
//! `COBROWSE_MAX_IN_FLIGHT`, so that an org whose Genesys hangs leaves a quarter of the
//! instance to the others. That holds only if the count is of every call the org has in
//! flight, whichever build of the org began it: a reload that changes an org's Genesys
//! settings builds it again while its calls begun before still wait on the old build. So the
//! count belongs to the org's name, not to a build: every build of a name takes the name's
//! [`Share`], and a reload that keeps the name keeps it.
//!
//! A name that leaves the file (the org removed, or renamed) leaves its calls in flight
//! behind: orphans, which finish within one budget. Nothing tells which org of the new file
//! they were (a rename is a name removed and another added), so until they finish they count
//! against the share of every org whose name came at or after the reload that orphaned them
//! (an org added, renamed to, or removed and added again): that org never holds more than its
//! share with them. An org whose name stayed was beside them all along, and counts only its
//! own calls, so the other orgs keep their quarter while orphans drain. An org is its name:
//! moving one org's settings under another name that stays is not seen.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, Weak};

/// The calls in flight of one org's name.
pub struct Share {
    held: AtomicUsize,
    /// The most `held` plus the orphans counted against this share may reach.
    most: usize,
    /// The reload at which this name came (0: at start-up).
    since: u64,
    orphans: Arc<Mutex<Vec<Orphan>>>,
}

/// The share of a name the file no longer has, while anything of it lives.
struct Orphan {
    /// Dead once no build of the org and no call of it is left.
    share: Weak<Share>,
    /// The reload at which its name left.
    since: u64,
}

/// A place held in an org's share, given back when dropped.
pub struct Held(Arc<Share>);

impl Drop for Held {
    fn drop(&mut self) {
        self.0.held.fetch_sub(1, Ordering::AcqRel);
    }
}

impl Share {
    /// A place for one more call, or `None` when the org holds its share (counting the
    /// orphans that count against it).
    pub fn hold(self: &Arc<Self>) -> Option<Held> {
        let orphans = self.orphans_counted();
        self.held
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |held| {
                (held + orphans < self.most).then_some(held + 1)
            })
            .ok()?;
        Some(Held(self.clone()))
    }

    /// The calls in flight of names that left before this one came, or as it came; the
    /// orphans gone are forgotten on the way.
    fn orphans_counted(&self) -> usize {
        let mut orphans = self.orphans.lock().expect("orphans lock");
        orphans.retain(|orphan| orphan.share.strong_count() > 0);
        orphans
            .iter()
            .filter(|orphan| orphan.since <= self.since)
            .filter_map(|orphan| orphan.share.upgrade())
            .map(|share| share.held.load(Ordering::Acquire))
            .sum()
    }
}

/// Every name's share, for the builds of the orgs of a file.
pub struct Shares {
    most: usize,
    book: Mutex<Book>,
    orphans: Arc<Mutex<Vec<Orphan>>>,
}

struct Book {
    /// Successful reloads so far.
    reloads: u64,
    by_name: HashMap<&'static str, Arc<Share>>,
}

impl Shares {
    pub fn new(most: usize) -> Self {
        Shares {
            most,
            book: Mutex::new(Book {
                reloads: 0,
                by_name: HashMap::new(),
            }),
            orphans: Arc::default(),
        }
    }

    /// The share of `name`: the one its earlier builds hold, or a new one.
    pub fn of(&self, name: &'static str) -> Arc<Share> {
        let mut book = self.book.lock().expect("shares lock");
        let since = book.reloads;
        book.by_name
            .entry(name)
            .or_insert_with(|| {
                Arc::new(Share {
                    held: AtomicUsize::new(0),
                    most: self.most,
                    since,
                    orphans: self.orphans.clone(),
                })
            })
            .clone()
    }

    /// A reload of a file naming `names` is under way: the names it no longer has leave
    /// their calls in flight as orphans. Before the reload builds its orgs.
    pub fn reload<'a>(&self, names: impl Iterator<Item = &'a str>) {
        let mut book = self.book.lock().expect("shares lock");
        book.reloads += 1;
        let since = book.reloads;
        let mut kept = HashMap::new();
        for name in names {
            if let Some((name, share)) = book.by_name.remove_entry(name) {
                kept.insert(name, share);
            }
        }
        let gone = std::mem::replace(&mut book.by_name, kept);
        let mut orphans = self.orphans.lock().expect("orphans lock");
        orphans.extend(gone.into_values().map(|share| Orphan {
            share: Arc::downgrade(&share),
            since,
        }));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hold(share: &Arc<Share>, n: usize) -> Vec<Held> {
        (0..n).map(|_| share.hold().expect("a place")).collect()
    }

    #[test]
    fn a_name_kept_by_a_reload_keeps_its_count() {
        let shares = Shares::new(3);
        let first = shares.of("acme");
        let _held = hold(&first, 2);
        shares.reload(["acme", "globex"].into_iter());
        let rebuilt = shares.of("acme");
        assert!(Arc::ptr_eq(&first, &rebuilt));
        let _third = rebuilt.hold().expect("a third place");
        assert!(rebuilt.hold().is_none(), "three of three held");
    }

    #[test]
    fn orphans_count_against_names_that_came_after_them_only() {
        let shares = Shares::new(3);
        let globex = shares.of("globex");
        let acme = shares.of("acme");
        let held = hold(&acme, 2);
        // acme renamed acme2.
        shares.reload(["acme2", "globex"].into_iter());
        let acme2 = shares.of("acme2");
        let _one = acme2.hold().expect("3 - 2 orphans");
        assert!(acme2.hold().is_none(), "acme2 with acme's orphans");
        let _globex = hold(&globex, 3);
        // A later reload adds acme again: the orphans count against it too.
        shares.reload(["acme", "acme2", "globex"].into_iter());
        let again = shares.of("acme");
        assert!(!Arc::ptr_eq(&acme, &again));
        let _again = again.hold().expect("3 - 2 orphans");
        assert!(again.hold().is_none());
        // The orphans finish: their places come back, and the list forgets them.
        drop(held);
        drop(acme);
        let _more = hold(&acme2, 2);
        assert!(shares.orphans.lock().unwrap().is_empty());
    }

    #[test]
    fn a_call_of_a_removed_org_that_found_it_before_still_counts() {
        let shares = Shares::new(2);
        let acme = shares.of("acme");
        shares.reload(["acme2"].into_iter());
        // The call found acme's build before the reload, and holds its place after.
        let _late = acme.hold().expect("acme's own share");
        let acme2 = shares.of("acme2");
        let _one = acme2.hold().expect("2 - 1 orphan");
        assert!(acme2.hold().is_none());
    }
}
