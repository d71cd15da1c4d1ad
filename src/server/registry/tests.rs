use super::*;

fn handle(
    reg: &SessionRegistry,
    bind_type: BindType,
    cap: usize,
) -> (SessionHandle, mpsc::Receiver<OutboundDeliver>) {
    let (tx, rx) = mpsc::channel(cap);
    (
        SessionHandle {
            id: reg.next_session_id(),
            bind_type,
            outbound: tx,
            cancel: CancellationToken::new(),
            unbind: CancellationToken::new(),
            probe: Arc::new(Notify::new()),
            received: Arc::new(AtomicU64::new(0)),
        },
        rx,
    )
}

const PROBE: Duration = Duration::from_millis(100);

#[tokio::test]
async fn max_binds_counts_live_sessions_and_frees_on_drop() {
    let reg = SessionRegistry::new();
    let (a, _ra) = handle(&reg, BindType::Transmitter, 1);
    let (b, _rb) = handle(&reg, BindType::Receiver, 1);
    let ra = reg.register("acme", 1, a.clone(), PROBE).await.unwrap();
    // A live session answers the probe (its received counter moves), so b is refused.
    let responder = {
        let a = a.clone();
        tokio::spawn(async move {
            a.probe.notified().await;
            a.received.fetch_add(1, Ordering::Relaxed);
        })
    };
    assert_eq!(
        reg.register("acme", 1, b.clone(), PROBE).await.unwrap_err(),
        BindRejection::TooManyBinds
    );
    responder.await.unwrap();
    assert!(!a.cancel.is_cancelled());
    drop(ra);
    assert_eq!(reg.bind_count("acme"), 0);
    let _rb = reg.register("acme", 1, b, PROBE).await.unwrap();
    assert_eq!(reg.bind_count("acme"), 1);
}

#[tokio::test]
async fn a_dead_session_is_evicted_for_a_reconnecting_client() {
    let reg = SessionRegistry::new();
    let (dead, _rd) = handle(&reg, BindType::Transceiver, 1);
    let (fresh, _rf) = handle(&reg, BindType::Transceiver, 1);
    let _old = reg.register("acme", 1, dead.clone(), PROBE).await.unwrap();
    // Nobody answers for `dead`.
    let _new = reg.register("acme", 1, fresh, PROBE).await.unwrap();
    assert!(
        dead.cancel.is_cancelled(),
        "the dead session is told to close"
    );
    assert_eq!(reg.bind_count("acme"), 1);
}

#[tokio::test]
async fn deliver_rotates_over_receivers_and_reports_outcomes() {
    let reg = SessionRegistry::new();
    assert_eq!(
        reg.deliver("acme", Box::default()).await,
        Err(DeliverError::NoReceiver)
    );
    let (tx_only, _r0) = handle(&reg, BindType::Transmitter, 4);
    let (r1, mut q1) = handle(&reg, BindType::Receiver, 4);
    let (r2, mut q2) = handle(&reg, BindType::Transceiver, 4);
    let _g0 = reg.register("acme", 9, tx_only, PROBE).await.unwrap();
    let _g1 = reg.register("acme", 9, r1, PROBE).await.unwrap();
    let _g2 = reg.register("acme", 9, r2, PROBE).await.unwrap();
    assert_eq!(reg.receiver_count("acme"), 2);

    let mut seen = [0, 0];
    for _ in 0..4 {
        let reg2 = reg.clone();
        let d = tokio::spawn(async move { reg2.deliver("acme", Box::default()).await });
        tokio::select! {
            Some(o) = q1.recv() => { seen[0] += 1; o.done.send(Ok(())).unwrap(); }
            Some(o) = q2.recv() => { seen[1] += 1; o.done.send(Err(DeliverError::TimedOut)).unwrap(); }
        }
        let r = d.await.unwrap();
        assert!(r.is_ok() || r == Err(DeliverError::TimedOut));
    }
    assert_eq!(seen, [2, 2], "balanced over both receiver binds");

    // A session that goes away without answering: the caller learns it was not delivered.
    let reg2 = reg.clone();
    let d = tokio::spawn(async move { reg2.deliver("acme", Box::default()).await });
    tokio::select! {
        Some(o) = q1.recv() => drop(o),
        Some(o) = q2.recv() => drop(o),
    }
    assert_eq!(d.await.unwrap(), Err(DeliverError::SessionClosed));
}

#[tokio::test(start_paused = true)]
async fn a_full_queue_is_waited_on_and_reports_busy_only_if_it_stays_full() {
    let reg = SessionRegistry::new();
    let (r1, mut q1) = handle(&reg, BindType::Receiver, 1);
    let _g = reg.register("acme", 2, r1, PROBE).await.unwrap();
    let reg2 = reg.clone();
    let _first = tokio::spawn(async move { reg2.deliver("acme", Box::default()).await });
    tokio::task::yield_now().await;

    // The queue is full; the session takes the first deliver_sm a second later: the second
    // one is queued then, not refused.
    let reg3 = reg.clone();
    let second = tokio::spawn(async move { reg3.deliver("acme", Box::default()).await });
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert!(!second.is_finished(), "waits for room instead of failing");
    let first = q1.recv().await.unwrap();
    let queued = q1
        .recv()
        .await
        .expect("the second deliver_sm got the freed room");
    first.done.send(Ok(())).unwrap();
    queued.done.send(Ok(())).unwrap();
    assert_eq!(second.await.unwrap(), Ok(()));

    // A queue that stays full: Busy after the bounded wait.
    let reg4 = reg.clone();
    let _third = tokio::spawn(async move { reg4.deliver("acme", Box::default()).await });
    tokio::task::yield_now().await;
    let started = tokio::time::Instant::now();
    assert_eq!(
        reg.deliver("acme", Box::default()).await,
        Err(DeliverError::Busy)
    );
    assert_eq!(started.elapsed(), FULL_QUEUE_WAIT);
    assert!(DeliverError::Busy.is_retryable());
    assert!(!DeliverError::Rejected(CommandStatus::ESME_RX_P_APPN).is_retryable());
}
