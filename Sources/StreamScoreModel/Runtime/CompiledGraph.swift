/// A graph compiled into a straight-line plan over a flat array of value slots.
///
/// All names are resolved to slot indices at load time; running the plan does no dictionary
/// look-ups. Intermediate values are released right after their last use.
final class CompiledGraph: Sendable {
    /// One kernel invocation.
    struct Step: Sendable {
        let kernel: any Kernel
        /// Slot per kernel input (declared inputs, then implicit outer-scope inputs of subgraph
        /// nodes); -1 for an omitted optional input.
        let inputSlots: [Int]
        /// Slot per declared node output; -1 for an omitted output.
        let outputSlots: [Int]
        /// Slots whose last reader is this step, cleared after it runs.
        let releaseAfter: [Int]
        /// Node name for error messages.
        let nodeName: String
    }

    /// Initial slot contents: constants in their slots, nil elsewhere.
    let template: [Value?]
    /// Slot of each fed graph input, in `feedNames` order.
    let inputSlots: [Int]
    /// Names of the fed graph inputs (graph inputs without an initializer).
    let feedNames: [String]
    /// Slot of each outer-scope value a subgraph reads, in `outerNames` order.
    let outerSlots: [Int]
    /// Outer-scope names passed in at run time (subgraphs only).
    let outerNames: [String]
    /// Slot of each graph output, in declared order.
    let outputSlots: [Int]
    /// Graph output names, in declared order.
    let outputNames: [String]
    let steps: [Step]
    /// The largest input count of any step.
    private let maxInputCount: Int

    init(template: [Value?], inputSlots: [Int], feedNames: [String], outerSlots: [Int], outerNames: [String],
         outputSlots: [Int], outputNames: [String], steps: [Step]) {
        self.template = template
        self.inputSlots = inputSlots
        self.feedNames = feedNames
        self.outerSlots = outerSlots
        self.outerNames = outerNames
        self.outputSlots = outputSlots
        self.outputNames = outputNames
        self.steps = steps
        self.maxInputCount = steps.map(\.inputSlots.count).max() ?? 0
    }

    /// Runs the plan. `inputs` are in `feedNames` order, `outer` in `outerNames` order;
    /// returns the graph outputs in declared order.
    func execute(inputs: [Value], outer: ArraySlice<Value?> = []) throws(ModelError) -> [Value] {
        var slots = template
        for i in 0..<inputSlots.count { slots[inputSlots[i]] = inputs[i] }
        var o = outer.startIndex
        for slot in outerSlots {
            slots[slot] = outer[o]
            o += 1
        }
        // One argument buffer serves every step: it is unique again once a kernel returns.
        var arguments: [Value?] = []
        arguments.reserveCapacity(maxInputCount)
        for step in steps {
            arguments.removeAll(keepingCapacity: true)
            for slot in step.inputSlots { arguments.append(slot >= 0 ? slots[slot] : nil) }
            let results = try step.kernel.run(arguments)
            let produced = results.count
            for k in 0..<step.outputSlots.count {
                let slot = step.outputSlots[k]
                guard slot >= 0 else { continue }
                guard k < produced else {
                    throw .runtime(node: step.nodeName,
                                   message: "kernel produced \(produced) outputs, expected \(step.outputSlots.count)")
                }
                slots[slot] = results[k]
            }
            for slot in step.releaseAfter { slots[slot] = nil }
        }
        var outputs: [Value] = []
        outputs.reserveCapacity(outputSlots.count)
        for (i, slot) in outputSlots.enumerated() {
            guard let value = slots[slot] else {
                throw .runtime(node: "", message: "graph output '\(outputNames[i])' was not produced")
            }
            outputs.append(value)
        }
        return outputs
    }
}
