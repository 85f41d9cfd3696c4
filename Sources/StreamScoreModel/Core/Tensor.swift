/// Element types the runtime supports (ONNX TensorProto.DataType subset).
public enum ElementType: String, Sendable, CaseIterable {
    case float32, float64, int64, int32, bool, string
}

/// Typed, row-major storage of a tensor's elements.
public enum TensorData: Sendable {
    case float32([Float])
    case float64([Double])
    case int64([Int64])
    case int32([Int32])
    case bool([Bool])
    case string([String])

    /// The element type of this storage.
    public var elementType: ElementType {
        switch self {
        case .float32: .float32
        case .float64: .float64
        case .int64: .int64
        case .int32: .int32
        case .bool: .bool
        case .string: .string
        }
    }

    /// Number of elements stored.
    public var count: Int {
        switch self {
        case .float32(let a): a.count
        case .float64(let a): a.count
        case .int64(let a): a.count
        case .int32(let a): a.count
        case .bool(let a): a.count
        case .string(let a): a.count
        }
    }
}

/// An n-dimensional array: a shape plus row-major typed storage.
public struct Tensor: Sendable {
    /// Dimensions, outermost first. A scalar has shape `[]`.
    public var shape: [Int]
    /// Row-major elements; `data.count` equals the product of `shape`.
    public var data: TensorData

    /// Creates a tensor; the element count must match the shape.
    public init(shape: [Int], data: TensorData) {
        precondition(shape.reduce(1, *) == data.count,
                     "tensor shape \(shape) does not match \(data.count) elements")
        self.shape = shape
        self.data = data
    }

    public var elementType: ElementType { data.elementType }
    public var count: Int { data.count }
    public var rank: Int { shape.count }

    public init(shape: [Int], float32 values: [Float]) { self.init(shape: shape, data: .float32(values)) }
    public init(shape: [Int], float64 values: [Double]) { self.init(shape: shape, data: .float64(values)) }
    public init(shape: [Int], int64 values: [Int64]) { self.init(shape: shape, data: .int64(values)) }
    public init(shape: [Int], int32 values: [Int32]) { self.init(shape: shape, data: .int32(values)) }
    public init(shape: [Int], bool values: [Bool]) { self.init(shape: shape, data: .bool(values)) }
    public init(shape: [Int], string values: [String]) { self.init(shape: shape, data: .string(values)) }
}

/// A sequence of maps with identical keys, as ONNX ZipMap produces:
/// row `r` maps `keys[c]` to `values[r * keys.count + c]`.
public struct MapSequence: Sendable {
    public enum Keys: Sendable {
        case int64([Int64])
        case string([String])

        public var count: Int {
            switch self {
            case .int64(let k): k.count
            case .string(let k): k.count
            }
        }
    }

    public var keys: Keys
    /// Row-major `[rowCount, keys.count]` values.
    public var values: [Float]
    public var rowCount: Int

    public init(keys: Keys, values: [Float], rowCount: Int) {
        precondition(values.count == rowCount * keys.count, "map sequence values do not match keys")
        self.keys = keys
        self.values = values
        self.rowCount = rowCount
    }
}

/// A value flowing along a graph edge.
public enum Value: Sendable {
    case tensor(Tensor)
    case mapSequence(MapSequence)
}
