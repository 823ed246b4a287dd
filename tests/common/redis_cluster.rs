//! A real Redis Cluster for the tests that need one: six of Debian's `redis-server` in cluster
//! mode on free loopback ports (three primaries, one replica each, as `redis-cli --cluster
//! create` pairs them), each with its cluster state in a temporary directory of its own, a
//! failed primary noticed after 1 s (`cluster-node-timeout`). The service logs in as an ACL
//! user with the least it needs ([`ACL`]). Stopped, and the directories removed, when the
//! test drops it.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use super::redis_server::RedisServer;
use super::redis_tls::{PASSWORD, USER};
use super::tool;

/// The ACL rules of the service's user on a cluster: those of one Redis
/// ([`super::redis_tls::ACL`]), and what the cluster client asks of every node: the slots,
/// whether a connection is alive, and `ASKING` before a command a migrating slot redirects.
pub const ACL: &str =
    "~cobrowse-proxy:* +eval +evalsha +type +strlen +get +set +del +cluster|slots +ping +asking";

pub struct RedisCluster {
    /// The nodes, in the order they were created: the first three the primaries.
    pub nodes: Vec<RedisServer>,
    dirs: Vec<PathBuf>,
}

/// Whether the cluster tests can run here (`redis-server`, and `redis-cli` to create it).
pub fn available() -> bool {
    tool::available("redis-server", "apt-get install redis-server")
        && tool::available("redis-cli", "apt-get install redis-tools")
}

impl RedisCluster {
    pub fn start() -> Self {
        static CLUSTERS: AtomicUsize = AtomicUsize::new(0);
        let cluster = CLUSTERS.fetch_add(1, Ordering::SeqCst);
        let mut dirs = Vec::new();
        let mut nodes = Vec::new();
        for n in 0..6 {
            let dir = std::env::temp_dir().join(format!(
                "cobrowse-redis-cluster-{}-{cluster}-{n}",
                std::process::id()
            ));
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).unwrap();
            let dir_arg = dir.to_str().unwrap().to_owned();
            let user = format!("{USER} on >{PASSWORD} {ACL}");
            let mut args = vec![
                "--cluster-enabled",
                "yes",
                "--cluster-node-timeout",
                "1000",
                "--dir",
                &dir_arg,
                "--cluster-config-file",
                "nodes.conf",
                "--user",
            ];
            args.extend(user.split(' '));
            nodes.push(RedisServer::start_with(&args));
            dirs.push(dir);
        }
        let created = Command::new("redis-cli")
            .arg("--cluster")
            .arg("create")
            .args(nodes.iter().map(|n| format!("127.0.0.1:{}", n.port)))
            .args(["--cluster-replicas", "1", "--cluster-yes"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .expect("redis-cli runs");
        assert!(created.success(), "redis-cli --cluster create failed");
        let cluster = RedisCluster { nodes, dirs };
        cluster.wait_until_ok();
        cluster.wait_replicated();
        cluster
    }

    /// One node's URL: the one address a managed service's configuration endpoint is.
    pub fn url(&self) -> String {
        self.nodes[0].url().replace("/0", "")
    }

    /// Every node's URL, comma-separated: a seed list.
    pub fn seeds(&self) -> String {
        let urls: Vec<String> = self
            .nodes
            .iter()
            .map(|n| n.url().replace("/0", ""))
            .collect();
        urls.join(",")
    }

    /// The node that is the primary of `key`'s slot now; `None` while it has none (its
    /// primary failed, and no replica has taken over yet).
    pub fn primary_of(&self, key: &str) -> Option<usize> {
        let live = self.live().next().expect("a node is up");
        let slot: u16 = redis::cmd("CLUSTER")
            .arg("KEYSLOT")
            .arg(key)
            .query(&mut self.nodes[live].connection())
            .unwrap();
        let nodes: String = redis::cmd("CLUSTER")
            .arg("NODES")
            .query(&mut self.nodes[live].connection())
            .unwrap();
        let line = nodes.lines().find(|line| {
            let fields: Vec<&str> = line.split(' ').collect();
            fields[2].contains("master")
                && !fields[2].contains("fail")
                && fields[8..].iter().any(|range| {
                    let (from, to) = range.split_once('-').unwrap_or((range, range));
                    (from.parse().unwrap_or(u16::MAX)..=to.parse().unwrap_or(0)).contains(&slot)
                })
        })?;
        let port = line.split(' ').nth(1).unwrap();
        let port: u16 = port.split(['@', ':']).nth(1).unwrap().parse().unwrap();
        self.nodes.iter().position(|n| n.port == port)
    }

    /// Kills a node for good.
    pub fn kill(&mut self, node: usize) {
        self.nodes[node].kill();
    }

    /// Waits (up to 20 s) until every node still up says the cluster is ok and names a
    /// primary for every slot that answers.
    pub fn wait_until_ok(&self) {
        let until = Instant::now() + Duration::from_secs(20);
        loop {
            let ok = self
                .live()
                .all(|n| self.nodes[n].cluster_info().contains("cluster_state:ok"));
            if ok {
                return;
            }
            assert!(Instant::now() < until, "the cluster never became ok");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Waits (up to 10 s) until every replica up has everything its primary has.
    pub fn wait_replicated(&self) {
        let until = Instant::now() + Duration::from_secs(10);
        let offset = |info: &str, field: &str| -> Option<u64> {
            info.lines()
                .find_map(|l| l.strip_prefix(field))
                .and_then(|v| v.trim().parse().ok())
        };
        loop {
            let caught_up = self.live().all(|n| {
                let info = self.nodes[n].info("replication");
                if !info.contains("role:slave") {
                    return true;
                }
                let Some(primary) = info
                    .lines()
                    .find_map(|l| l.strip_prefix("master_port:"))
                    .and_then(|p| p.trim().parse::<u16>().ok())
                    .and_then(|port| self.nodes.iter().position(|m| m.port == port))
                else {
                    return false;
                };
                let theirs = offset(
                    &self.nodes[primary].info("replication"),
                    "master_repl_offset:",
                );
                info.contains("master_link_status:up")
                    && theirs.is_some()
                    && offset(&info, "slave_repl_offset:") == theirs
            });
            if caught_up {
                return;
            }
            assert!(Instant::now() < until, "the replicas never caught up");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Every node up forgets the scripts it has loaded, as a replica promoted has not loaded
    /// its primary's.
    pub fn flush_scripts(&self) {
        for n in self.live() {
            let () = redis::cmd("SCRIPT")
                .arg("FLUSH")
                .query(&mut self.nodes[n].connection())
                .unwrap();
        }
    }

    /// Every key on every node up (a replica's too), with its node.
    pub fn keys(&self) -> Vec<(usize, String)> {
        let mut keys = Vec::new();
        for n in self.live() {
            let here: Vec<String> = redis::cmd("KEYS")
                .arg("*")
                .query(&mut self.nodes[n].connection())
                .unwrap();
            keys.extend(here.into_iter().map(|k| (n, k)));
        }
        keys
    }

    /// The nodes still up.
    fn live(&self) -> impl Iterator<Item = usize> + '_ {
        (0..self.nodes.len()).filter(|&n| self.nodes[n].is_up())
    }
}

impl Drop for RedisCluster {
    fn drop(&mut self) {
        for node in &mut self.nodes {
            node.kill();
        }
        for dir in &self.dirs {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}
