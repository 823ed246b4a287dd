//! A real Prometheus for the alerting tests: Debian's `prometheus`, started on a free loopback
//! port with a throwaway configuration, data directory and rules file, scraping one target
//! every second under the job name the rules expect; stopped and deleted when dropped.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use serde_json::Value;

pub struct PrometheusServer {
    child: Child,
    dir: PathBuf,
    pub url: String,
    http: reqwest::Client,
}

/// Whether the Prometheus tests can run here (skipped visibly without `prometheus`).
pub fn available() -> bool {
    crate::common::tool::available("prometheus", "apt-get install prometheus")
}

impl PrometheusServer {
    /// Prometheus scraping `target` (`host:port`) every second as job `cobrowse-proxy`, and
    /// evaluating `rules` (a rules file's text) every second.
    pub async fn start(target: &str, rules: &str) -> Self {
        static STARTED: AtomicU32 = AtomicU32::new(0);
        let dir = std::env::temp_dir().join(format!(
            "cobrowse-proxy-prometheus-{}-{}",
            std::process::id(),
            STARTED.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("rules.yaml"), rules).unwrap();
        std::fs::write(
            dir.join("prometheus.yml"),
            format!(
                "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n  evaluation_interval: 1s\n\
                 rule_files:\n  - rules.yaml\n\
                 scrape_configs:\n  - job_name: cobrowse-proxy\n    static_configs:\n      - targets: ['{target}']\n"
            ),
        )
        .unwrap();
        // A port the kernel just handed out; if another process takes it before Prometheus
        // binds, Prometheus exits and the next port is tried.
        for _ in 0..5 {
            let port = std::net::TcpListener::bind("127.0.0.1:0")
                .and_then(|l| l.local_addr())
                .unwrap()
                .port();
            let log = std::fs::File::create(dir.join("prometheus.log")).unwrap();
            let child = Command::new("prometheus")
                .arg(format!(
                    "--config.file={}",
                    dir.join("prometheus.yml").display()
                ))
                .arg(format!(
                    "--storage.tsdb.path={}",
                    dir.join("data").display()
                ))
                .arg(format!("--web.listen-address=127.0.0.1:{port}"))
                .arg("--log.level=warn")
                .stdout(Stdio::null())
                .stderr(log)
                .spawn()
                .expect("prometheus starts");
            let mut server = PrometheusServer {
                child,
                dir: dir.clone(),
                url: format!("http://127.0.0.1:{port}"),
                http: crate::common::http(),
            };
            if server.wait_ready().await {
                return server;
            }
        }
        let log = std::fs::read_to_string(dir.join("prometheus.log")).unwrap_or_default();
        panic!("prometheus did not start:\n{log}");
    }

    /// Waits up to 15 s for `/-/ready`; false if Prometheus exited first.
    async fn wait_ready(&mut self) -> bool {
        let until = Instant::now() + Duration::from_secs(15);
        while Instant::now() < until {
            if let Ok(Some(_)) = self.child.try_wait() {
                return false;
            }
            let ready = self
                .http
                .get(format!("{}/-/ready", self.url))
                .send()
                .await
                .is_ok_and(|r| r.status() == 200);
            if ready {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        false
    }

    /// `GET /api/v1/<path>`'s `data`.
    pub async fn api(&self, path: &str) -> Value {
        let reply: Value = self
            .http
            .get(format!("{}/api/v1/{path}", self.url))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(reply["status"], "success", "{path}: {reply}");
        reply["data"].clone()
    }

    /// The value of a PromQL expression that gives one number now; `None` for no result.
    pub async fn query(&self, expr: &str) -> Option<f64> {
        let data = self
            .api(&format!("query?query={}", url_encoded(expr)))
            .await;
        let value = data["result"].as_array()?.first()?["value"][1].as_str()?;
        value.parse().ok()
    }

    /// The alerts Prometheus holds active now, pending or firing.
    pub async fn alerts(&self) -> Vec<Value> {
        self.api("alerts").await["alerts"]
            .as_array()
            .unwrap()
            .clone()
    }

    /// Every rule loaded, across groups.
    pub async fn rules(&self) -> Vec<Value> {
        self.api("rules").await["groups"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|g| g["rules"].as_array().unwrap().clone())
            .collect()
    }
}

fn url_encoded(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

impl Drop for PrometheusServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
