//! Shared presence: what one instance records of its event streams is read by every
//! instance, one row per (instance, user), and a heartbeat keeps an instance's rows alive.

use messenger_protocol::Timestamp;
use messenger_server::store::StreamPresenceRecord;

use super::bed::Bed;
use super::workspace;

fn at(ms: i64) -> Timestamp {
    Timestamp::from_millis(workspace::now().millis() + ms).unwrap()
}

pub async fn presence_recorded_on_one_handle_is_read_on_every_handle(bed: Bed) {
    let (a, b) = (bed.handle(0), bed.handle(bed.handles() - 1));
    let user = workspace::user(&a, "Alice Agent", messenger_protocol::Role::Agent).await;
    let connected = StreamPresenceRecord {
        instance_id: "instance-a".into(),
        user_id: user.id.clone(),
        connections: 2,
        left_at: None,
        heartbeat_at: at(0),
    };
    let row = connected.clone();
    a.write(move |tx| Ok(tx.put_stream_presence(&row)?))
        .await
        .unwrap();
    let read = b.read(|tx| Ok(tx.stream_presence()?)).await.unwrap();
    assert_eq!(
        read,
        vec![connected.clone()],
        "{}: another handle reads it",
        bed.store
    );

    let left = StreamPresenceRecord {
        connections: 0,
        left_at: Some(at(5_000)),
        ..connected.clone()
    };
    let row = left.clone();
    b.write(move |tx| Ok(tx.put_stream_presence(&row)?))
        .await
        .unwrap();
    a.write(|tx| Ok(tx.heartbeat_instance("instance-a", at(9_000))?))
        .await
        .unwrap();
    let read = a.read(|tx| Ok(tx.stream_presence()?)).await.unwrap();
    assert_eq!(
        read,
        vec![StreamPresenceRecord {
            heartbeat_at: at(9_000),
            ..left
        }],
        "{}: one row per instance and user, with the last heartbeat",
        bed.store
    );
}
