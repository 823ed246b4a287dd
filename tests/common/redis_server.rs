//! A real Redis for the tests that need one (session reuse in `api`, a value no session can
//! be in `cli`): Debian's `redis-server`, started on a free loopback port, nothing saved to
//! disk, stopped when the test drops it.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::tool;

pub struct RedisServer {
    child: Option<Child>,
    pub port: u16,
    /// Arguments past the port and the no-persistence ones, kept for a restart.
    extra: Vec<String>,
}

/// Whether the Redis tests can run here; a test returns at once when not (see
/// [`tool::available`]: skipped visibly, or failed under `CI=true`).
pub fn available() -> bool {
    tool::available("redis-server", "apt-get install redis-server")
}

impl RedisServer {
    pub fn start() -> Self {
        Self::start_with(&[])
    }

    /// A Redis with `extra` arguments (`["--replicaof", "127.0.0.1", "6379"]`).
    pub fn start_with(extra: &[&str]) -> Self {
        // A port the kernel just handed out; if another process takes it before Redis binds,
        // Redis exits and the next port is tried.
        for _ in 0..5 {
            let port = TcpListener::bind("127.0.0.1:0")
                .and_then(|l| l.local_addr())
                .unwrap()
                .port();
            let mut server = RedisServer {
                child: None,
                port,
                extra: extra.iter().map(|a| a.to_string()).collect(),
            };
            server.launch();
            if server.wait_ready() {
                return server;
            }
        }
        panic!("redis-server did not start");
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/0", self.port)
    }

    /// A replica of this Redis on a port of its own, once it holds everything this one does.
    pub fn replica(&self) -> RedisServer {
        let replica = Self::start_with(&["--replicaof", "127.0.0.1", &self.port.to_string()]);
        let until = Instant::now() + Duration::from_secs(10);
        while !replica
            .info("replication")
            .contains("master_link_status:up")
        {
            assert!(Instant::now() < until, "the replica never caught up");
            std::thread::sleep(Duration::from_millis(50));
        }
        replica
    }

    /// Whether this Redis runs (it was not killed).
    pub fn is_up(&self) -> bool {
        self.child.is_some()
    }

    /// `CLUSTER INFO`, for a node of a cluster.
    pub fn cluster_info(&self) -> String {
        redis::cmd("CLUSTER")
            .arg("INFO")
            .query(&mut self.connection())
            .unwrap_or_default()
    }

    /// A section of `INFO`.
    pub fn info(&self, section: &str) -> String {
        redis::cmd("INFO")
            .arg(section)
            .query(&mut self.connection())
            .unwrap_or_default()
    }

    /// A plain connection, to read or write what the service stores.
    pub fn connection(&self) -> redis::Connection {
        redis::Client::open(self.url())
            .unwrap()
            .get_connection()
            .expect("Redis answers")
    }

    /// Kills Redis: every command fails until [`RedisServer::restart`].
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts Redis again on the same port, empty.
    pub fn restart(&mut self) {
        self.kill();
        self.launch();
        assert!(self.wait_ready(), "redis-server did not come back");
    }

    fn launch(&mut self) {
        let child = Command::new("redis-server")
            .args(["--bind", "127.0.0.1", "--port", &self.port.to_string()])
            .args([
                "--save",
                "",
                "--appendonly",
                "no",
                "--protected-mode",
                "yes",
            ])
            .args(&self.extra)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server starts");
        self.child = Some(child);
    }

    /// Waits up to 5 s for `PING` to be answered; false if Redis exited first.
    fn wait_ready(&mut self) -> bool {
        let until = Instant::now() + Duration::from_secs(5);
        while Instant::now() < until {
            if let Some(Ok(Some(_))) = self.child.as_mut().map(Child::try_wait) {
                return false;
            }
            if ping(self.port) {
                return true;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        false
    }
}

fn ping(port: u16) -> bool {
    let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_millis(200)));
    let mut answer = [0; 7];
    stream.write_all(b"PING\r\n").is_ok()
        && stream.read_exact(&mut answer).is_ok()
        && &answer == b"+PONG\r\n"
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.kill();
    }
}
