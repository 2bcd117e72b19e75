//! The channels between the driver and the station, and how each keeps its bound (the table in
//! the [driver's docs](super#channels)): the observer channels drop what does not fit and say
//! how much (`Observer`); the station's online/offline orders keep only the latest, without
//! ever skipping an order to go offline ([`OnlineSender`]).

use tokio::sync::{mpsc, watch};

use crate::charge_point::StationEvent;

/// How many [`StationCommand`](crate::charge_point::StationCommand)s may wait for the station
/// before the driver waits for it to take one.
pub const COMMAND_BUFFER: usize = 256;

/// How many [`Notice`](super::Notice)s may wait for the station; more are dropped (counted and
/// logged) until it takes some.
pub const NOTICE_BUFFER: usize = 256;

/// How many [`Frame`](super::Frame)s may wait for the station; more are dropped (counted and
/// logged) until it takes some. Two per message exchanged, and generous: a queue of
/// transaction messages drained at a fast CSMS's pace fills no such backlog.
pub const FRAME_BUFFER: usize = 4096;

/// The sending end of an observer channel (frames, notices): what does not fit is dropped and
/// counted, with one warning when the reader falls behind and one with the count when it has
/// caught up, so a slow or stuck reader costs neither memory nor a log line per item.
#[derive(Debug)]
pub(crate) struct Observer<T> {
    tx: mpsc::Sender<T>,
    /// What it carries, for the log ("frames", "notices").
    what: &'static str,
    /// Dropped since the reader last had room.
    dropped: u64,
}

impl<T> Observer<T> {
    /// A channel of `bound` items, for the log as `what`.
    pub(crate) fn channel(bound: usize, what: &'static str) -> (Observer<T>, mpsc::Receiver<T>) {
        let (tx, rx) = mpsc::channel(bound);
        (
            Observer {
                tx,
                what,
                dropped: 0,
            },
            rx,
        )
    }

    /// Passes `item` on if there is room; never waits.
    pub(crate) fn offer(&mut self, item: T) {
        match self.tx.try_send(item) {
            Ok(()) if self.dropped > 0 => {
                tracing::warn!(
                    dropped = self.dropped,
                    "the station caught up with the driver's {}: {} were dropped",
                    self.what,
                    self.dropped
                );
                self.dropped = 0;
            }
            Ok(()) => {}
            Err(mpsc::error::TrySendError::Full(_)) => {
                if self.dropped == 0 {
                    tracing::warn!(
                        bound = self.tx.max_capacity(),
                        "the station does not keep up with the driver's {}: dropping them until it does",
                        self.what
                    );
                }
                self.dropped += 1;
            }
            // Nobody listening is fine: observers are optional.
            Err(mpsc::error::TrySendError::Closed(_)) => {}
        }
    }
}

/// The station's sending end of its events to the driver ([`StationEvent`]s: lossless and
/// unbounded, as the driver's docs say). The events go boxed: a channel allocates room for 32
/// items when it is made, a block of 3.4 kB for events of about 100 bytes, which every station
/// of a fleet paid while it sent a handful of events a minute.
#[derive(Debug, Clone)]
pub struct EventSender(mpsc::UnboundedSender<Box<StationEvent>>);

impl EventSender {
    /// The sender and the driver's receiver.
    pub(crate) fn channel() -> (EventSender, mpsc::UnboundedReceiver<Box<StationEvent>>) {
        let (tx, rx) = mpsc::unbounded_channel();
        (EventSender(tx), rx)
    }

    /// Hands `event` to the driver; never waits. The event comes back if the driver has ended.
    pub fn send(&self, event: StationEvent) -> Result<(), mpsc::error::SendError<StationEvent>> {
        self.0
            .send(Box::new(event))
            .map_err(|mpsc::error::SendError(event)| mpsc::error::SendError(*event))
    }

    /// Whether the driver has ended.
    pub fn is_closed(&self) -> bool {
        self.0.is_closed()
    }
}

/// The driver has ended: nothing takes orders any more.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the OCPP driver has ended")]
pub struct DriverGone;

/// The station's orders to go offline (`false`) and online again (`true`), as the control
/// API's `ocpp/disconnect` and `ocpp/connect` give them. It holds one state, not a queue: the
/// driver acts on the latest order, so a user who sends a thousand orders while the driver is
/// busy costs one reconnect, not a thousand. An order to go offline is never lost, though: if
/// one came since the driver last looked, it disconnects before it connects again, as it would
/// have taking the orders one by one.
#[derive(Debug)]
pub struct OnlineSender(watch::Sender<OnlineOrders>);

/// What the driver reads from an [`OnlineSender`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct OnlineOrders {
    /// The latest order.
    pub(crate) online: bool,
    /// How many orders to go offline there have been.
    pub(crate) offline_orders: u64,
}

impl OnlineSender {
    /// The sender and the driver's receiver.
    pub(crate) fn channel() -> (OnlineSender, watch::Receiver<OnlineOrders>) {
        let (tx, rx) = watch::channel(OnlineOrders {
            online: true,
            offline_orders: 0,
        });
        (OnlineSender(tx), rx)
    }

    /// Orders the driver to close the connection and stay offline (`false`) or to connect
    /// again (`true`). Never waits.
    pub fn send(&self, online: bool) -> Result<(), DriverGone> {
        if self.0.is_closed() {
            return Err(DriverGone);
        }
        self.0.send_modify(|orders| {
            orders.online = online;
            if !online {
                orders.offline_orders += 1;
            }
        });
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn an_observer_drops_what_a_slow_reader_has_no_room_for() {
        let (mut observer, mut rx) = Observer::channel(4, "numbers");
        for n in 0..100 {
            observer.offer(n);
        }
        assert_eq!(rx.len(), 4, "the bound holds");
        assert_eq!(observer.dropped, 96);
        // The first ones are kept, in order; once there is room again, new ones get in.
        assert_eq!(rx.recv().await, Some(0));
        observer.offer(100);
        assert_eq!(observer.dropped, 0, "counted, logged and reset");
        let rest: Vec<i32> = std::iter::from_fn(|| rx.try_recv().ok()).collect();
        assert_eq!(rest, [1, 2, 3, 100]);
        drop(rx);
        observer.offer(101);
        assert_eq!(observer.dropped, 0, "nobody listening is not a drop");
    }

    #[test]
    fn online_orders_keep_the_latest_and_count_the_offline_ones() {
        let (tx, rx) = OnlineSender::channel();
        for online in [false, true, false, true] {
            tx.send(online).unwrap();
        }
        assert_eq!(
            *rx.borrow(),
            OnlineOrders {
                online: true,
                offline_orders: 2
            }
        );
        drop(rx);
        assert_eq!(tx.send(false), Err(DriverGone));
    }
}
