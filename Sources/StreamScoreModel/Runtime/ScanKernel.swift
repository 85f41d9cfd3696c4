/// ONNX `Scan` (opset 9 and later): runs a body graph once per slice of its scan inputs,
/// threading N state variables through the iterations and stacking K per-iteration outputs.
///
/// Inputs are N initial states then M scan inputs (M = `num_scan_inputs`), then the outer-scope
/// values the body reads (implicit inputs appended by the compiler). Outputs are N final states
/// then K stacked scan outputs.
struct ScanKernel: Kernel {
    let name: String
    let body: CompiledGraph
    let stateCount: Int
    let scanInputCount: Int
    let scanOutputCount: Int
    let inputAxes: [Int]
    let inputReversed: [Bool]
    let outputAxes: [Int]
    let outputReversed: [Bool]

    /// Registers a placeholder for Scan so registry look-ups report it as supported; the graph
    /// compiler builds the real kernel through `build`, which can compile the body.
    static func register(into registry: inout KernelRegistry) {
        registry.register("Scan", versions: 9...24) { (info: NodeInfo) throws(ModelError) -> any Kernel in
            throw .invalidNode(node: info.name, message: "Scan can only be built by the graph compiler")
        }
    }

    /// Builds the kernel, compiling the body graph.
    static let build: SubgraphKernelBuilder = { (info: NodeInfo, context: SubgraphContext) throws(ModelError) -> any Kernel in
        guard case .graph(let bodyGraph)? = info.attributes["body"] else {
            throw .invalidNode(node: info.name, message: "Scan needs a 'body' graph attribute")
        }
        guard case .int(let m)? = info.attributes["num_scan_inputs"], m >= 1, Int(m) <= info.inputs.count else {
            throw .invalidNode(node: info.name, message: "Scan needs 'num_scan_inputs' between 1 and the input count \(info.inputs.count)")
        }
        let scanInputs = Int(m)
        let states = info.inputs.count - scanInputs
        guard bodyGraph.inputs.count == info.inputs.count else {
            throw .invalidNode(node: info.name,
                               message: "Scan body has \(bodyGraph.inputs.count) inputs, expected \(info.inputs.count) (states + scan inputs)")
        }
        guard bodyGraph.outputs.count >= states, info.outputs.count == bodyGraph.outputs.count else {
            throw .invalidNode(node: info.name,
                               message: "Scan has \(info.outputs.count) outputs but its body has \(bodyGraph.outputs.count) (needs at least \(states) states)")
        }
        let scanOutputs = bodyGraph.outputs.count - states

        func ints(_ key: String, count: Int) throws(ModelError) -> [Int] {
            guard let attribute = info.attributes[key] else { return [Int](repeating: 0, count: count) }
            guard case .ints(let values) = attribute, values.count == count else {
                throw .invalidNode(node: info.name, message: "Scan attribute '\(key)' must list \(count) integers")
            }
            return values.map { Int($0) }
        }
        let inputAxes = try ints("scan_input_axes", count: scanInputs)
        let inputDirections = try ints("scan_input_directions", count: scanInputs)
        let outputAxes = try ints("scan_output_axes", count: scanOutputs)
        let outputDirections = try ints("scan_output_directions", count: scanOutputs)
        guard (inputDirections + outputDirections).allSatisfy({ $0 == 0 || $0 == 1 }) else {
            throw .invalidNode(node: info.name, message: "Scan directions must be 0 (forward) or 1 (reverse)")
        }
        let body = try context.compile(bodyGraph)
        return ScanKernel(name: info.name, body: body, stateCount: states, scanInputCount: scanInputs,
                          scanOutputCount: scanOutputs, inputAxes: inputAxes,
                          inputReversed: inputDirections.map { $0 == 1 }, outputAxes: outputAxes,
                          outputReversed: outputDirections.map { $0 == 1 })
    }

    func run(_ inputs: [Value?]) throws(ModelError) -> [Value] {
        let declared = stateCount + scanInputCount
        guard inputs.count >= declared else {
            throw .runtime(node: name, message: "Scan expected \(declared) inputs, got \(inputs.count)")
        }
        var states: [Value] = []
        for i in 0..<stateCount {
            guard let state = inputs[i] else { throw .runtime(node: name, message: "Scan state input \(i) is missing") }
            states.append(state)
        }
        var scans: [Tensor] = []
        var axes: [Int] = []
        var length = -1
        for j in 0..<scanInputCount {
            guard case .tensor(let tensor)? = inputs[stateCount + j] else {
                throw .runtime(node: name, message: "Scan input \(stateCount + j) must be a tensor")
            }
            let axis = inputAxes[j] < 0 ? inputAxes[j] + tensor.rank : inputAxes[j]
            guard axis >= 0, axis < tensor.rank else {
                throw .runtime(node: name, message: "scan_input_axes[\(j)] = \(inputAxes[j]) is out of range for rank \(tensor.rank)")
            }
            if length < 0 { length = tensor.shape[axis] }
            guard tensor.shape[axis] == length else {
                throw .runtime(node: name, message: "Scan inputs have different sequence lengths (\(length) and \(tensor.shape[axis]))")
            }
            scans.append(tensor)
            axes.append(axis)
        }
        guard length > 0 else { throw .runtime(node: name, message: "Scan over an empty sequence is not supported") }

        let outer = inputs[declared...]
        var collected = [[Tensor]](repeating: [], count: scanOutputCount)
        for k in 0..<scanOutputCount { collected[k].reserveCapacity(length) }
        var bodyInputs = states
        bodyInputs.reserveCapacity(declared)
        for t in 0..<length {
            bodyInputs.removeSubrange(stateCount...)
            for j in 0..<scanInputCount {
                let index = inputReversed[j] ? length - 1 - t : t
                bodyInputs.append(.tensor(Self.slice(scans[j], axis: axes[j], index: index)))
            }
            let results = try body.execute(inputs: bodyInputs, outer: outer)
            for i in 0..<stateCount { bodyInputs[i] = results[i] }
            for k in 0..<scanOutputCount {
                guard case .tensor(let tensor) = results[stateCount + k] else {
                    throw .runtime(node: name, message: "Scan body output \(stateCount + k) must be a tensor")
                }
                collected[k].append(tensor)
            }
        }
        var outputs = Array(bodyInputs[0..<stateCount])
        for k in 0..<scanOutputCount {
            var items = collected[k]
            if outputReversed[k] { items.reverse() }
            let rank = items[0].rank + 1
            let axis = outputAxes[k] < 0 ? outputAxes[k] + rank : outputAxes[k]
            guard axis >= 0, axis < rank else {
                throw .runtime(node: name, message: "scan_output_axes[\(k)] = \(outputAxes[k]) is out of range for rank \(rank)")
            }
            outputs.append(.tensor(try Self.stack(items, axis: axis, node: name)))
        }
        return outputs
    }

    // MARK: - Slicing and stacking

    /// The sub-tensor at `index` along `axis`, with that axis removed.
    static func slice(_ tensor: Tensor, axis: Int, index: Int) -> Tensor {
        var shape = tensor.shape
        let length = shape.remove(at: axis)
        let outer = shape[..<axis].reduce(1, *)
        let inner = shape[axis...].reduce(1, *)
        func take<T>(_ values: [T]) -> [T] {
            if outer == 1 { return Array(values[(index * inner)..<((index + 1) * inner)]) }
            var result: [T] = []
            result.reserveCapacity(outer * inner)
            for o in 0..<outer {
                let base = (o * length + index) * inner
                result.append(contentsOf: values[base..<(base + inner)])
            }
            return result
        }
        switch tensor.data {
        case .float32(let v): return Tensor(shape: shape, data: .float32(take(v)))
        case .float64(let v): return Tensor(shape: shape, data: .float64(take(v)))
        case .int64(let v): return Tensor(shape: shape, data: .int64(take(v)))
        case .int32(let v): return Tensor(shape: shape, data: .int32(take(v)))
        case .bool(let v): return Tensor(shape: shape, data: .bool(take(v)))
        case .string(let v): return Tensor(shape: shape, data: .string(take(v)))
        }
    }

    /// Stacks same-shaped tensors along a new axis at `axis`.
    static func stack(_ items: [Tensor], axis: Int, node: String) throws(ModelError) -> Tensor {
        let itemShape = items[0].shape
        for item in items where item.shape != itemShape || item.elementType != items[0].elementType {
            throw .runtime(node: node, message: "Scan body produced outputs of different shapes or types (\(itemShape) and \(item.shape))")
        }
        var shape = itemShape
        shape.insert(items.count, at: axis)
        let outer = itemShape[..<axis].reduce(1, *)
        let inner = itemShape[axis...].reduce(1, *)
        func gather<T>(_ arrays: [[T]]) -> [T] {
            var result: [T] = []
            result.reserveCapacity(outer * inner * arrays.count)
            for o in 0..<outer {
                for array in arrays { result.append(contentsOf: array[(o * inner)..<((o + 1) * inner)]) }
            }
            return result
        }
        switch items[0].data {
        case .float32: return Tensor(shape: shape, data: .float32(gather(items.map { if case .float32(let v) = $0.data { v } else { [] } })))
        case .float64: return Tensor(shape: shape, data: .float64(gather(items.map { if case .float64(let v) = $0.data { v } else { [] } })))
        case .int64: return Tensor(shape: shape, data: .int64(gather(items.map { if case .int64(let v) = $0.data { v } else { [] } })))
        case .int32: return Tensor(shape: shape, data: .int32(gather(items.map { if case .int32(let v) = $0.data { v } else { [] } })))
        case .bool: return Tensor(shape: shape, data: .bool(gather(items.map { if case .bool(let v) = $0.data { v } else { [] } })))
        case .string: return Tensor(shape: shape, data: .string(gather(items.map { if case .string(let v) = $0.data { v } else { [] } })))
        }
    }
}
