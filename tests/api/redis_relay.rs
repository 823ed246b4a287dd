//! A TCP relay between one replica and Redis, on a free loopback port: commands go through at
//! once, Redis's replies are held back by a fixed latency, and can be stopped altogether (a
//! Redis that stalls mid-start) until resumed.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, watch};
use tokio::time::{Instant, sleep_until};

pub struct RedisRelay {
    pub port: u16,
    paused: watch::Sender<bool>,
}

impl RedisRelay {
    /// Relays to the Redis on `redis_port`, each reply `latency` late.
    pub async fn start(redis_port: u16, latency: Duration) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let (paused, _) = watch::channel(false);
        let watching = paused.clone();
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let Ok(redis) = TcpStream::connect(("127.0.0.1", redis_port)).await else {
                    continue;
                };
                tokio::spawn(relay(client, redis, latency, watching.subscribe()));
            }
        });
        RedisRelay { port, paused }
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

async fn relay(
    client: TcpStream,
    redis: TcpStream,
    latency: Duration,
    mut paused: watch::Receiver<bool>,
) {
    let (mut from_client, mut to_client) = client.into_split();
    let (mut from_redis, mut to_redis) = redis.into_split();
    tokio::spawn(async move {
        let _ = tokio::io::copy(&mut from_client, &mut to_redis).await;
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
    while let Some((at, bytes)) = due.recv().await {
        sleep_until(at).await;
        if paused.wait_for(|paused| !paused).await.is_err()
            || to_client.write_all(&bytes).await.is_err()
        {
            break;
        }
    }
}
