//! A TCP relay between one replica and Redis, on a free loopback port: commands go through at
//! once, Redis's replies are held back by a fixed latency, and can be stopped altogether (a
//! Redis that stalls mid-start) until resumed. New connections can be sent to another Redis,
//! as a managed service's primary endpoint moves to the replica it promotes, and a connection
//! can be cut once a command has reached Redis, before its answer comes back.

use std::sync::Arc;
use std::sync::atomic::{AtomicU16, AtomicUsize, Ordering};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, watch};
use tokio::time::{Instant, sleep_until};

pub struct RedisRelay {
    pub port: u16,
    paused: watch::Sender<bool>,
    /// The Redis new connections go to.
    target: Arc<AtomicU16>,
    /// Commands to let through before cutting the connection that carries the last of them;
    /// 0: none is cut.
    cut_in: Arc<AtomicUsize>,
}

impl RedisRelay {
    /// Relays to the Redis on `redis_port`, each reply `latency` late.
    pub async fn start(redis_port: u16, latency: Duration) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let (paused, _) = watch::channel(false);
        let watching = paused.clone();
        let target = Arc::new(AtomicU16::new(redis_port));
        let targeted = target.clone();
        let cut_in = Arc::new(AtomicUsize::new(0));
        let cutting = cut_in.clone();
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let redis_port = targeted.load(Ordering::SeqCst);
                let Ok(redis) = TcpStream::connect(("127.0.0.1", redis_port)).await else {
                    continue;
                };
                let paused = watching.subscribe();
                tokio::spawn(relay(client, redis, latency, paused, cutting.clone()));
            }
        });
        RedisRelay {
            port,
            paused,
            target,
            cut_in,
        }
    }

    /// The `commands`th command from now reaches Redis, and then its connection is closed
    /// before Redis's answer is relayed: the replica never learns what it did.
    pub fn cut_after(&self, commands: usize) {
        self.cut_in.store(commands, Ordering::SeqCst);
    }

    /// From now on new connections go to the Redis on `redis_port`; open ones stay where they
    /// are, until that Redis closes them.
    pub fn point_to(&self, redis_port: u16) {
        self.target.store(redis_port, Ordering::SeqCst);
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/0", self.port)
    }

    /// From now on no reply reaches the replica (commands still reach Redis).
    pub fn pause(&self) {
        self.paused.send_replace(true);
    }

    pub fn resume(&self) {
        self.paused.send_replace(false);
    }
}

/// How far a cut has gone: replies flow, replies are dropped, the connection is closed.
#[derive(Clone, Copy, PartialEq, PartialOrd)]
enum Cut {
    None,
    Silent,
    Closed,
}

async fn relay(
    client: TcpStream,
    redis: TcpStream,
    latency: Duration,
    mut paused: watch::Receiver<bool>,
    cut_in: Arc<AtomicUsize>,
) {
    let (mut from_client, mut to_client) = client.into_split();
    let (mut from_redis, mut to_redis) = redis.into_split();
    let (cut, mut cut_state) = watch::channel(Cut::None);
    tokio::spawn(async move {
        // A command is one write of the replica's (what one read here gets).
        let mut buffer = vec![0; 64 * 1024];
        while let Ok(n @ 1..) = from_client.read(&mut buffer).await {
            let last = cut_in.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |left| {
                left.checked_sub(1)
            }) == Ok(1);
            if last {
                cut.send_replace(Cut::Silent);
            }
            if to_redis.write_all(&buffer[..n]).await.is_err() {
                break;
            }
            if last {
                // Time for Redis to carry it out, its answer dropped; then the connection
                // goes, both ways.
                tokio::time::sleep(Duration::from_millis(50)).await;
                cut.send_replace(Cut::Closed);
                break;
            }
        }
    });
    // Replies are read as they come and written once their latency is over, in order.
    let (replies, mut due) = mpsc::unbounded_channel::<(Instant, Vec<u8>)>();
    tokio::spawn(async move {
        let mut buffer = vec![0; 64 * 1024];
        while let Ok(n @ 1..) = from_redis.read(&mut buffer).await {
            if replies
                .send((Instant::now() + latency, buffer[..n].to_vec()))
                .is_err()
            {
                break;
            }
        }
    });
    loop {
        let next = tokio::select! {
            next = due.recv() => next,
            _ = cut_state.wait_for(|state| *state == Cut::Closed) => None,
        };
        let Some((at, bytes)) = next else {
            break;
        };
        sleep_until(at).await;
        if *cut_state.borrow() != Cut::None {
            continue;
        }
        if paused.wait_for(|paused| !paused).await.is_err()
            || to_client.write_all(&bytes).await.is_err()
        {
            break;
        }
    }
}
