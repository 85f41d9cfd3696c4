import StreamScoreKafka

/// Collects a batch's output records in whatever order they are made (model by model, dead
/// letters first), and hands them out with each input's record in input order, then the extras
/// (error replies and shadow predictions), so each partition's outputs leave in input order.
struct OutputBuilder {
    private var outputs: BatchOutputs
    /// For each input record, the index of its output record.
    private var slot: [Int]
    /// Indices of the records that answer no input slot.
    private var extras: [Int] = []

    init(inputs: Int) {
        outputs = BatchOutputs(capacity: inputs)
        slot = [Int](repeating: -1, count: inputs)
    }

    /// Adds the record `append` appends: the output of input `input`, or an extra when `nil`.
    mutating func add(forInput input: Int?, tracking: BatchOutputs.Tracking, _ append: (inout ProduceBatch) -> Void) {
        let index = outputs.records.count
        append(&outputs.records)
        precondition(outputs.records.count == index + 1, "each add appends exactly one record")
        outputs.tracking.append(tracking)
        if let input {
            precondition(slot[input] < 0, "input \(input) already has its output")
            slot[input] = index
        } else {
            extras.append(index)
        }
    }

    /// The outputs, in input order then extras.
    consuming func finish() -> BatchOutputs {
        precondition(!slot.contains(where: { $0 < 0 }), "every input needs its output")
        let order = slot + extras
        if order.indices.contains(where: { order[$0] != $0 }) {
            outputs.records.reorder(order)
            outputs.tracking = order.map { outputs.tracking[$0] }
        }
        return outputs
    }
}
