/// Kafka header names of the wire contract (DESIGN.md, "Headers").
public enum HeaderName {
    /// Set by the gateway or any client; echoed on the prediction.
    public static let correlationID = "correlation-id"
    /// The topic that gets the prediction instead of the output topic.
    public static let replyTo = "reply-to"
    /// Decimal partition for the reply.
    public static let replyPartition = "reply-partition"
    /// Which model scores this record.
    public static let model = "model"
    /// Which model version scores this record.
    public static let modelVersion = "model-version"
    /// Epoch milliseconds after which a worker skips the record (DLQ reason `expired`).
    public static let deadlineMs = "deadline-ms"
    /// W3C trace context, passed through.
    public static let traceparent = "traceparent"
    /// On DLQ records: the stable error code.
    public static let error = "error"
    /// On DLQ records: readable text.
    public static let errorDetail = "error-detail"
    public static let sourceTopic = "source-topic"
    public static let sourcePartition = "source-partition"
    public static let sourceOffset = "source-offset"
}
