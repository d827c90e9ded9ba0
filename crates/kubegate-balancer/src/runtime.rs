//! The running balancer: `workers` OS threads, each with its own single-threaded tokio
//! runtime and its own listening socket per frontend (the kernel spreads accepts across them
//! with `SO_REUSEPORT`). Frontends can be added and removed while running (reload); removed
//! ones stop accepting at once and their connections drain. `shutdown` stops every listener,
//! lets established connections finish within the drain time, closes the rest and joins the
//! threads.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use tokio::sync::mpsc;

use super::listener;
use super::logsink::{self, LogFormat, LogSink, RecordHook};
use super::pipes;
use super::proxy::liveness;
use super::sessions::Sessions;
use super::shared::{AcceptGuard, FrontendState};
use kubegate_sys::tcp::Liveness;

/// How the balancer runs.
#[derive(Debug, Clone)]
pub struct RuntimeOptions {
    /// Worker threads (at least one).
    pub workers: usize,
    pub log: LogFormat,
    /// Sees every connection record as well (tests, counters elsewhere).
    pub hook: Option<RecordHook>,
}

impl Default for RuntimeOptions {
    fn default() -> Self {
        RuntimeOptions {
            workers: 1,
            log: LogFormat::Text,
            hook: None,
        }
    }
}

enum Command {
    Add {
        frontend: Arc<FrontendState>,
        listener: std::net::TcpListener,
        liveness: Liveness,
        /// Taken before the command is sent, so the frontend counts as accepting from the
        /// moment it is started; dropped with the command if the worker is gone.
        guard: AcceptGuard,
    },
    Remove {
        frontend: Arc<FrontendState>,
    },
    Shutdown {
        drain: Duration,
    },
}

struct Worker {
    commands: mpsc::UnboundedSender<Command>,
    thread: Option<JoinHandle<()>>,
}

/// A running balancer (see the module doc). Dropping it shuts down without a drain.
pub struct Balancer {
    workers: Vec<Worker>,
    frontends: Vec<(Arc<FrontendState>, SocketAddr)>,
}

impl Balancer {
    /// Open every frontend's listeners (one per worker) and start the workers. Fails, with
    /// nothing left running, if any address cannot be bound.
    pub fn start(
        frontends: Vec<Arc<FrontendState>>,
        options: RuntimeOptions,
    ) -> io::Result<Balancer> {
        let workers = options.workers.max(1);
        let mut opened = Vec::new();
        for f in &frontends {
            opened.push(open_all(f, workers)?);
        }
        let sink = Arc::new(LogSink {
            format: options.log,
            hook: options.hook,
        });
        let mut balancer = Balancer {
            workers: Vec::new(),
            frontends: Vec::new(),
        };
        for n in 0..workers {
            let (tx, rx) = mpsc::unbounded_channel();
            let sink = sink.clone();
            let thread = std::thread::Builder::new()
                .name(format!("balancer-{n}"))
                .spawn(move || worker_main(rx, sink))?;
            balancer.workers.push(Worker {
                commands: tx,
                thread: Some(thread),
            });
        }
        for (f, (listeners, bound, live)) in frontends.into_iter().zip(opened) {
            balancer.hand_out(&f, listeners, live);
            balancer.frontends.push((f, bound));
        }
        Ok(balancer)
    }

    /// The address a running frontend listens on (with the port the kernel chose for port 0).
    pub fn local_addr(&self, name: &str) -> Option<SocketAddr> {
        self.frontends
            .iter()
            .find(|(f, _)| f.name == name)
            .map(|(_, a)| *a)
    }

    /// The frontends running now.
    pub fn frontends(&self) -> impl Iterator<Item = &Arc<FrontendState>> {
        self.frontends.iter().map(|(f, _)| f)
    }

    /// Start serving one more frontend.
    pub fn add_frontend(&mut self, frontend: Arc<FrontendState>) -> io::Result<SocketAddr> {
        let (listeners, bound, live) = open_all(&frontend, self.workers.len())?;
        self.hand_out(&frontend, listeners, live);
        self.frontends.push((frontend, bound));
        Ok(bound)
    }

    /// Stop accepting on the frontend called `name`; its connections drain for its
    /// `timeouts.drain` and are then closed. False when no such frontend runs.
    pub fn remove_frontend(&mut self, name: &str) -> bool {
        let Some(pos) = self.frontends.iter().position(|(f, _)| f.name == name) else {
            return false;
        };
        let (frontend, _) = self.frontends.remove(pos);
        for w in &self.workers {
            let _ = w.commands.send(Command::Remove {
                frontend: frontend.clone(),
            });
        }
        true
    }

    /// Reload to this set of frontends. A frontend is the same when it is the same
    /// `FrontendState` (`Arc::ptr_eq`): its listeners and connections are untouched (change
    /// its settings and pool in place with `replace_settings` / `Pool::reconfigure`; new
    /// connections use them). New ones start listening — all their sockets are opened first,
    /// so on error nothing changes — and missing ones are removed as by `remove_frontend`.
    /// A frontend replaced by a new state on the same address keeps listening throughout
    /// (both sockets share the port while the old one closes).
    pub fn reload(&mut self, frontends: Vec<Arc<FrontendState>>) -> io::Result<()> {
        let added: Vec<Arc<FrontendState>> = frontends
            .iter()
            .filter(|n| !self.frontends.iter().any(|(f, _)| Arc::ptr_eq(f, n)))
            .cloned()
            .collect();
        let mut opened = Vec::new();
        for f in &added {
            opened.push(open_all(f, self.workers.len())?);
        }
        for (f, (listeners, bound, live)) in added.into_iter().zip(opened) {
            self.hand_out(&f, listeners, live);
            self.frontends.push((f, bound));
        }
        let removed: Vec<Arc<FrontendState>> = self
            .frontends
            .iter()
            .filter(|(f, _)| !frontends.iter().any(|n| Arc::ptr_eq(f, n)))
            .map(|(f, _)| f.clone())
            .collect();
        for f in removed {
            self.frontends.retain(|(g, _)| !Arc::ptr_eq(g, &f));
            for w in &self.workers {
                let _ = w.commands.send(Command::Remove {
                    frontend: f.clone(),
                });
            }
        }
        Ok(())
    }

    /// Stop accepting everywhere at once, let established connections finish for at most
    /// `drain`, close the rest (logged as `shutdown`) and join the worker threads.
    pub fn shutdown(mut self, drain: Duration) {
        self.stop(drain);
    }

    fn stop(&mut self, drain: Duration) {
        for w in &self.workers {
            let _ = w.commands.send(Command::Shutdown { drain });
        }
        for w in &mut self.workers {
            if let Some(t) = w.thread.take() {
                let _ = t.join();
            }
        }
        self.workers.clear();
    }

    fn hand_out(
        &self,
        frontend: &Arc<FrontendState>,
        listeners: Vec<std::net::TcpListener>,
        liveness: Liveness,
    ) {
        for (w, listener) in self.workers.iter().zip(listeners) {
            let _ = w.commands.send(Command::Add {
                frontend: frontend.clone(),
                listener,
                liveness,
                guard: frontend.accept_guard(),
            });
        }
    }
}

impl Drop for Balancer {
    fn drop(&mut self) {
        self.stop(Duration::ZERO);
    }
}

type Opened = (Vec<std::net::TcpListener>, SocketAddr, Liveness);

/// One listening socket per worker. With port 0 the first socket's port is used for the
/// others, so all workers share one address.
fn open_all(frontend: &FrontendState, workers: usize) -> io::Result<Opened> {
    let settings = frontend.settings();
    let live = liveness(&settings);
    let first = listener::open(settings.bind, &live)?;
    let bound = first.local_addr()?;
    let mut all = vec![first];
    for _ in 1..workers {
        all.push(listener::open(bound, &live)?);
    }
    Ok((all, bound, live))
}

/// A frontend as one worker runs it.
struct Run {
    frontend: Arc<FrontendState>,
    sessions: Arc<Sessions>,
}

fn worker_main(mut commands: mpsc::UnboundedReceiver<Command>, sink: Arc<LogSink>) {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            tracing::error!("balancer worker: no runtime: {e}");
            return;
        }
    };
    runtime.block_on(async move {
        let flusher = tokio::spawn(async {
            let mut tick = tokio::time::interval(Duration::from_millis(100));
            loop {
                tick.tick().await;
                logsink::flush();
            }
        });
        let mut runs: Vec<Run> = Vec::new();
        let mut draining: Vec<Arc<Sessions>> = Vec::new();
        let mut drain = Duration::ZERO;
        while let Some(command) = commands.recv().await {
            match command {
                Command::Add {
                    frontend,
                    listener,
                    liveness,
                    guard,
                } => {
                    let sessions = Sessions::new();
                    match tokio::net::TcpListener::from_std(listener) {
                        Ok(l) => {
                            tokio::spawn(listener::accept_loop(
                                l,
                                liveness,
                                frontend.clone(),
                                sessions.clone(),
                                sink.clone(),
                                guard,
                            ));
                        }
                        Err(e) => {
                            tracing::error!(
                                "frontend {}: cannot register listener: {e}",
                                frontend.name
                            )
                        }
                    }
                    tokio::spawn(sessions.clone().watcher(frontend.clone()));
                    runs.push(Run { frontend, sessions });
                }
                Command::Remove { frontend } => {
                    if let Some(pos) = runs
                        .iter()
                        .position(|r| Arc::ptr_eq(&r.frontend, &frontend))
                    {
                        let run = runs.remove(pos);
                        let sessions = run.sessions.clone();
                        let drain = frontend.settings().timeouts.drain;
                        draining.push(run.sessions);
                        tokio::spawn(async move { sessions.drain(drain).await });
                    }
                }
                Command::Shutdown { drain: d } => {
                    drain = d;
                    break;
                }
            }
        }
        // Shutdown (or the balancer was dropped): everything drains within one bound.
        let all: Vec<Arc<Sessions>> = runs
            .into_iter()
            .map(|r| r.sessions)
            .chain(draining)
            .collect();
        for s in &all {
            s.stop_accepting();
        }
        let mut waits = Vec::new();
        for s in all {
            waits.push(tokio::spawn(async move { s.drain(drain).await }));
        }
        for w in waits {
            let _ = w.await;
        }
        flusher.abort();
    });
    drop(runtime);
    logsink::flush();
    pipes::clear();
}
