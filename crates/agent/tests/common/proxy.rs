//! A TCP proxy between the agent and the server. It can cut every open connection (a dropped
//! network), refuse new ones (offline), and lose the answer to the next request that matches
//! a pattern (the server committed, the client never heard).
#![allow(dead_code, clippy::unwrap_used)]

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::broadcast;

#[derive(Clone)]
pub struct Proxy {
    pub addr: SocketAddr,
    refuse: Arc<AtomicBool>,
    cut: broadcast::Sender<()>,
    lose_answer_to: Arc<Mutex<Option<String>>>,
    pub lost: Arc<Mutex<u32>>,
}

impl Proxy {
    pub async fn start(upstream: SocketAddr) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let p = Self {
            addr: listener.local_addr().unwrap(),
            refuse: Arc::default(),
            cut: broadcast::channel(4).0,
            lose_answer_to: Arc::default(),
            lost: Arc::default(),
        };
        let me = p.clone();
        tokio::spawn(async move {
            loop {
                let Ok((client, _)) = listener.accept().await else {
                    return;
                };
                if me.refuse.load(Ordering::SeqCst) {
                    drop(client);
                    continue;
                }
                let me = me.clone();
                tokio::spawn(async move { me.pipe(client, upstream).await });
            }
        });
        p
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Offline: cut what is open and refuse what comes.
    pub fn go_offline(&self) {
        self.refuse.store(true, Ordering::SeqCst);
        let _ = self.cut.send(());
    }

    pub fn go_online(&self) {
        self.refuse.store(false, Ordering::SeqCst);
    }

    /// Drops every open connection (the network blinked).
    pub fn cut_all(&self) {
        let _ = self.cut.send(());
    }

    /// The next request whose first line contains `pattern` reaches the server, but its answer
    /// is lost and the connection drops.
    pub fn lose_next_answer(&self, pattern: &str) {
        *self.lose_answer_to.lock().unwrap() = Some(pattern.to_owned());
    }

    async fn pipe(&self, client: TcpStream, upstream: SocketAddr) {
        let Ok(server) = TcpStream::connect(upstream).await else {
            return;
        };
        let (mut cr, mut cw) = client.into_split();
        let (mut sr, mut sw) = server.into_split();
        let losing = Arc::new(AtomicBool::new(false));
        let mut cut = self.cut.subscribe();
        let (pattern, lost) = (self.lose_answer_to.clone(), self.lost.clone());
        let losing_up = losing.clone();
        let up = async move {
            let mut buf = vec![0u8; 16 * 1024];
            loop {
                let n = match cr.read(&mut buf).await {
                    Ok(0) | Err(_) => return,
                    Ok(n) => n,
                };
                let head = String::from_utf8_lossy(&buf[..n.min(200)]).into_owned();
                {
                    let mut p = pattern.lock().unwrap();
                    if let Some(pat) = p.as_ref()
                        && head
                            .lines()
                            .next()
                            .is_some_and(|l| l.contains(pat.as_str()))
                    {
                        losing_up.store(true, Ordering::SeqCst);
                        *p = None;
                        *lost.lock().unwrap() += 1;
                    }
                }
                if sw.write_all(&buf[..n]).await.is_err() {
                    return;
                }
            }
        };
        let down = async move {
            let mut buf = vec![0u8; 16 * 1024];
            loop {
                let n = match sr.read(&mut buf).await {
                    Ok(0) | Err(_) => return,
                    Ok(n) => n,
                };
                if losing.load(Ordering::SeqCst) {
                    // The server answered; the client never hears it.
                    return;
                }
                if cw.write_all(&buf[..n]).await.is_err() {
                    return;
                }
            }
        };
        tokio::select! {
            () = up => {}
            () = down => {}
            _ = cut.recv() => {}
        }
    }
}
