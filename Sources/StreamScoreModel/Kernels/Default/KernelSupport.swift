extension DefaultKernels {
    /// Identifies a node in error messages raised at load time (`invalidNode`) and run time (`runtime`).
    struct NodeContext: Sendable {
        /// The node's name as written in the graph.
        let name: String
        /// `Op vN`, prefixed to every message.
        let label: String

        init(_ node: NodeInfo) {
            name = node.name
            label = "\(node.opType) v\(node.opsetVersion)"
        }

        /// A load-time error: bad attributes or constant inputs.
        func invalid(_ message: String) -> ModelError {
            .invalidNode(node: name, message: "\(label): \(message)")
        }

        /// A run-time error: bad input types or shapes.
        func failure(_ message: String) -> ModelError {
            .runtime(node: name, message: "\(label): \(message)")
        }
    }

    /// Typed access to a node's attributes; a wrongly typed attribute is an `invalidNode` error.
    struct Attributes {
        let node: NodeInfo
        let context: NodeContext

        init(_ node: NodeInfo) {
            self.node = node
            context = NodeContext(node)
        }

        func has(_ name: String) -> Bool { node.attributes[name] != nil }

        func optionalInt(_ name: String) throws(ModelError) -> Int? {
            switch node.attributes[name] {
            case nil: return nil
            case .int(let value): return Int(value)
            default: throw context.invalid("attribute '\(name)' must be an int")
            }
        }

        func int(_ name: String, default fallback: Int) throws(ModelError) -> Int {
            try optionalInt(name) ?? fallback
        }

        func optionalFloat(_ name: String) throws(ModelError) -> Float? {
            switch node.attributes[name] {
            case nil: return nil
            case .float(let value): return value
            case .int(let value): return Float(value)
            default: throw context.invalid("attribute '\(name)' must be a float")
            }
        }

        func float(_ name: String, default fallback: Float) throws(ModelError) -> Float {
            try optionalFloat(name) ?? fallback
        }

        func ints(_ name: String) throws(ModelError) -> [Int]? {
            switch node.attributes[name] {
            case nil: return nil
            case .ints(let values): return values.map { Int($0) }
            case .int(let value): return [Int(value)]
            default: throw context.invalid("attribute '\(name)' must be a list of ints")
            }
        }

        func floats(_ name: String) throws(ModelError) -> [Float]? {
            switch node.attributes[name] {
            case nil: return nil
            case .floats(let values): return values
            case .float(let value): return [value]
            default: throw context.invalid("attribute '\(name)' must be a list of floats")
            }
        }

        func string(_ name: String) throws(ModelError) -> String? {
            switch node.attributes[name] {
            case nil: return nil
            case .string(let value): return value
            default: throw context.invalid("attribute '\(name)' must be a string")
            }
        }

        func strings(_ name: String) throws(ModelError) -> [String]? {
            switch node.attributes[name] {
            case nil: return nil
            case .strings(let values): return values
            case .string(let value): return [value]
            default: throw context.invalid("attribute '\(name)' must be a list of strings")
            }
        }

        func tensor(_ name: String) throws(ModelError) -> Tensor? {
            switch node.attributes[name] {
            case nil: return nil
            case .tensor(let value): return value
            default: throw context.invalid("attribute '\(name)' must be a tensor")
            }
        }

        /// A 0/1 flag attribute.
        func flag(_ name: String, default fallback: Bool) throws(ModelError) -> Bool {
            guard let value = try optionalInt(name) else { return fallback }
            return value != 0
        }
    }

    /// The tensor at `index`; throws if it is missing or not a tensor.
    @inline(__always)
    static func tensorInput(_ inputs: [Value?], _ index: Int, _ context: NodeContext) throws(ModelError) -> Tensor {
        guard index < inputs.count, let value = inputs[index] else {
            throw context.failure("missing required input \(index)")
        }
        guard case .tensor(let tensor) = value else {
            throw context.failure("input \(index) must be a tensor, not a sequence of maps")
        }
        return tensor
    }

    /// The tensor at `index`, or nil when the optional input is omitted.
    @inline(__always)
    static func optionalTensorInput(_ inputs: [Value?], _ index: Int, _ context: NodeContext) throws(ModelError) -> Tensor? {
        guard index < inputs.count, let value = inputs[index] else { return nil }
        guard case .tensor(let tensor) = value else {
            throw context.failure("input \(index) must be a tensor, not a sequence of maps")
        }
        return tensor
    }

    /// The values of an int64 or int32 tensor as `Int`s (shapes, axes, indices, sizes).
    static func integers(_ tensor: Tensor, _ what: String, _ error: (String) -> ModelError) throws(ModelError) -> [Int] {
        switch tensor.data {
        case .int64(let values): return values.map { Int($0) }
        case .int32(let values): return values.map { Int($0) }
        default: throw error("\(what) must be an int64 tensor, got \(tensor.elementType)")
        }
    }

    /// Maps `axis` from [-rank, rank-1] to [0, rank-1].
    static func normalizedAxis(_ axis: Int, rank: Int, _ error: (String) -> ModelError) throws(ModelError) -> Int {
        let resolved = axis < 0 ? axis + rank : axis
        guard resolved >= 0, resolved < rank else {
            throw error("axis \(axis) is out of range for rank \(rank)")
        }
        return resolved
    }

    /// Maps each axis to [0, rank-1], rejecting out-of-range and repeated axes.
    static func normalizedAxes(_ axes: [Int], rank: Int, _ error: (String) -> ModelError) throws(ModelError) -> [Int] {
        var result: [Int] = []
        result.reserveCapacity(axes.count)
        for axis in axes {
            let resolved = try normalizedAxis(axis, rank: rank, error)
            if result.contains(resolved) { throw error("axis \(axis) is repeated") }
            result.append(resolved)
        }
        return result
    }

    /// Product of dimensions, 1 for a scalar.
    @inline(__always)
    static func elementCount(_ shape: some Collection<Int>) -> Int {
        var count = 1
        for dim in shape { count *= dim }
        return count
    }

    /// Row-major element strides of a shape.
    static func rowMajorStrides(_ shape: [Int]) -> [Int] {
        var strides = [Int](repeating: 1, count: shape.count)
        var running = 1
        for index in stride(from: shape.count - 1, through: 0, by: -1) {
            strides[index] = running
            running *= shape[index]
        }
        return strides
    }

    /// Builds an array of `count` elements by writing each one through `body`.
    @inline(__always)
    static func makeArray<T>(count: Int, _ body: (UnsafeMutablePointer<T>) -> Void) -> [T] {
        if count == 0 { return [] }
        return [T](unsafeUninitializedCapacity: count) { buffer, initialized in
            body(buffer.baseAddress!)
            initialized = count
        }
    }

    /// The start of a buffer, or a dangling (never dereferenced) pointer for an empty one.
    @inline(__always)
    static func address<T>(_ buffer: UnsafeBufferPointer<T>) -> UnsafePointer<T> {
        buffer.baseAddress ?? UnsafePointer(bitPattern: MemoryLayout<T>.alignment)!
    }

    /// Formats a shape as `[2, 3]` for messages.
    static func describe(_ shape: [Int]) -> String {
        "[" + shape.map(String.init).joined(separator: ", ") + "]"
    }
}
