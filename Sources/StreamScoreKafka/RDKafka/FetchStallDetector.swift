/// Detects when librdkafka 2.0.2's fetcher has stopped because the consumer queue passed
/// `queued.min.messages` or `queued.max.messages.kbytes`, and says when to wake it.
///
/// librdkafka re-checks those thresholds only when its broker thread wakes up, and nothing wakes
/// it when the application drains the queue: with no fetch in flight it sleeps up to a second
/// (later versions back off by `fetch.queue.backoff.ms` instead). A consumer slower than the
/// fetcher therefore idles for most of a second every time the queue fills. The polling thread
/// feeds this detector the queue length before each poll; once the queue has been at a threshold
/// and has drained to three quarters of it, the consumer sends the partitions' leaders a request,
/// which wakes their broker threads and restarts fetching.
///
/// Used only by the polling thread.
struct FetchStallDetector {
    /// `queued.min.messages` in effect.
    let maxQueuedMessages: Int
    /// `queued.max.messages.kbytes` in effect, in bytes.
    let maxQueuedBytes: Int
    /// Messages the polling thread may take between two observations: a queue seen within this
    /// margin of the threshold may already have crossed it.
    let margin: Int
    private(set) var averageMessageBytes = 64.0
    private(set) var suspended = false

    init(maxQueuedMessages: Int, maxQueuedKilobytes: Int, margin: Int) {
        self.maxQueuedMessages = max(1, maxQueuedMessages)
        maxQueuedBytes = max(1024, maxQueuedKilobytes * 1024)
        self.margin = max(0, margin)
    }

    /// Reads the thresholds from the client's properties (the last setting wins), with
    /// librdkafka's defaults.
    init(properties: [(String, String)], margin: Int) {
        func value(_ name: String, _ fallback: Int) -> Int {
            properties.last { $0.0 == name }.flatMap { Int($0.1) } ?? fallback
        }
        self.init(maxQueuedMessages: value("queued.min.messages", 100_000),
                  maxQueuedKilobytes: value("queued.max.messages.kbytes", 65_536), margin: margin)
    }

    /// Folds in the size of a message taken from the queue (key plus value, as librdkafka counts it).
    mutating func noteMessage(bytes: Int) {
        averageMessageBytes += (Double(bytes) - averageMessageBytes) / 256
    }

    /// Folds in the queue length seen before a poll. Returns `true` when the fetcher should be
    /// woken: the queue reached a threshold since the last wake and has drained below 3/4 of it.
    mutating func observe(queueLength: Int) -> Bool {
        let bytes = Double(queueLength) * averageMessageBytes
        if queueLength + margin >= maxQueuedMessages || bytes + Double(margin) * averageMessageBytes >= Double(maxQueuedBytes) {
            suspended = true
            return false
        }
        guard suspended, queueLength * 4 <= maxQueuedMessages * 3, bytes * 4 <= Double(maxQueuedBytes) * 3 else {
            return false
        }
        suspended = false
        return true
    }
}
