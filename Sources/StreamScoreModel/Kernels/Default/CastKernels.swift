#if canImport(Darwin)
import Darwin
#elseif canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

extension DefaultKernels {
    /// Element conversions with onnxruntime's semantics: floats to integers truncate toward zero
    /// (NaN and out-of-range become the integer minimum), integers narrow by dropping high bits,
    /// anything to bool is `!= 0`, floats format as `%.8g` ("NaN", "INF", "-INF"), and strings
    /// parse like C `strtod`/`strtoll` (leading whitespace and trailing garbage allowed, no
    /// digits at all is an error).
    enum Conversion {
        /// The element type named by a TensorProto.DataType code (Cast-6+) or name (Cast-1).
        static func elementType(code: Int) -> ElementType? {
            switch code {
            case 1: .float32
            case 6: .int32
            case 7: .int64
            case 8: .string
            case 9: .bool
            case 11: .float64
            default: nil
            }
        }

        static func elementType(name: String) -> ElementType? {
            switch name.uppercased() {
            case "FLOAT": .float32
            case "INT32": .int32
            case "INT64": .int64
            case "STRING": .string
            case "BOOL": .bool
            case "DOUBLE": .float64
            default: nil
            }
        }

        static func format(_ value: Double) -> String {
            if value.isNaN { return "NaN" }
            if value.isInfinite { return value < 0 ? "-INF" : "INF" }
            return withUnsafeTemporaryAllocation(of: CChar.self, capacity: 64) { buffer in
                _ = withVaList([value]) { vsnprintf(buffer.baseAddress!, 64, "%.8g", $0) }
                return String(cString: buffer.baseAddress!)
            }
        }

        static func parseDouble(_ text: String) -> Double? {
            text.withCString { start in
                var end: UnsafeMutablePointer<CChar>?
                let value = strtod(start, &end)
                return end == UnsafeMutablePointer(mutating: start) ? nil : value
            }
        }

        static func parseInteger(_ text: String) -> Int64? {
            text.withCString { start in
                var end: UnsafeMutablePointer<CChar>?
                errno = 0
                let value = strtoll(start, &end, 10)
                return end == UnsafeMutablePointer(mutating: start) || errno == ERANGE ? nil : Int64(value)
            }
        }

        /// Converts `data` to `target`.
        static func convert(_ data: TensorData, to target: ElementType, _ context: NodeContext) throws(ModelError) -> TensorData {
            if data.elementType == target { return data }
            switch data {
            case .float32(let values): return try fromNumeric(Float32Type.self, values, to: target, context)
            case .float64(let values): return try fromNumeric(Float64Type.self, values, to: target, context)
            case .int64(let values): return try fromNumeric(Int64Type.self, values, to: target, context)
            case .int32(let values): return try fromNumeric(Int32Type.self, values, to: target, context)
            case .bool(let values):
                switch target {
                case .float32: return .float32(mapElements(values) { $0 ? 1 : 0 })
                case .float64: return .float64(mapElements(values) { $0 ? 1 : 0 })
                case .int64: return .int64(mapElements(values) { $0 ? 1 : 0 })
                case .int32: return .int32(mapElements(values) { $0 ? 1 : 0 })
                case .string: return .string(values.map { $0 ? "1" : "0" })
                case .bool: return data
                }
            case .string(let values):
                return try fromStrings(values, to: target, context)
            }
        }

        static func fromNumeric<N: NumericType>(_ type: N.Type, _ values: [N.Scalar], to target: ElementType,
                                                _ context: NodeContext) throws(ModelError) -> TensorData {
            // Integer sources convert directly (no rounding through Double).
            switch (N.wrap(values), target) {
            case (.int64(let ints), .float32): return .float32(mapElements(ints) { Float($0) })
            case (.int64(let ints), .int32): return .int32(mapElements(ints) { Int32(truncatingIfNeeded: $0) })
            case (.int64(let ints), .string): return .string(ints.map { String($0) })
            case (.int32(let ints), .float32): return .float32(mapElements(ints) { Float($0) })
            case (.int32(let ints), .int64): return .int64(mapElements(ints) { Int64($0) })
            case (.int32(let ints), .string): return .string(ints.map { String($0) })
            default: break
            }
            switch target {
            case .float32: return .float32(mapElements(values) { Float(N.toDouble($0)) })
            case .float64: return .float64(mapElements(values) { N.toDouble($0) })
            case .int64: return .int64(mapElements(values) { Int64Type.fromDouble(N.toDouble($0)) })
            case .int32: return .int32(mapElements(values) { Int32Type.fromDouble(N.toDouble($0)) })
            case .bool: return .bool(mapElements(values) { $0 != N.zero })
            case .string: return .string(values.map { format(N.toDouble($0)) })
            }
        }

        static func fromStrings(_ values: [String], to target: ElementType, _ context: NodeContext) throws(ModelError) -> TensorData {
            switch target {
            case .string:
                return .string(values)
            case .float32, .float64:
                var parsed: [Double] = []
                parsed.reserveCapacity(values.count)
                for text in values {
                    guard let value = parseDouble(text) else { throw context.failure("cannot convert '\(text)' to a number") }
                    parsed.append(value)
                }
                return target == .float32 ? .float32(parsed.map { Float($0) }) : .float64(parsed)
            case .int64, .int32, .bool:
                var parsed: [Int64] = []
                parsed.reserveCapacity(values.count)
                for text in values {
                    guard let value = parseInteger(text) else { throw context.failure("cannot convert '\(text)' to an integer") }
                    parsed.append(value)
                }
                switch target {
                case .int64: return .int64(parsed)
                case .int32: return .int32(parsed.map { Int32(truncatingIfNeeded: $0) })
                default: return .bool(parsed.map { $0 != 0 })
                }
            }
        }
    }

    /// Cast to the type named by `to` (a name in opset 1, a TensorProto.DataType code from 6).
    struct CastKernel: Kernel {
        let context: NodeContext
        let target: ElementType

        init(_ node: NodeInfo) throws(ModelError) {
            context = NodeContext(node)
            switch node.attributes["to"] {
            case .int(let code)?:
                guard let type = Conversion.elementType(code: Int(code)) else {
                    throw context.invalid("unsupported target type code \(code)")
                }
                target = type
            case .string(let name)?:
                guard let type = Conversion.elementType(name: name) else {
                    throw context.invalid("unsupported target type '\(name)'")
                }
                target = type
            default:
                throw context.invalid("missing or invalid attribute 'to'")
            }
        }

        func run(_ inputs: [Value?]) throws(ModelError) -> [Value] {
            let input = try tensorInput(inputs, 0, context)
            return [.tensor(Tensor(shape: input.shape, data: try Conversion.convert(input.data, to: target, context)))]
        }
    }

    /// CastLike: casts the first input to the element type of the second.
    struct CastLikeKernel: Kernel {
        let context: NodeContext

        func run(_ inputs: [Value?]) throws(ModelError) -> [Value] {
            let input = try tensorInput(inputs, 0, context)
            let like = try tensorInput(inputs, 1, context)
            return [.tensor(Tensor(shape: input.shape, data: try Conversion.convert(input.data, to: like.elementType, context)))]
        }
    }

    /// Registers Cast (1: `to` is a name; 6+: a type code; later versions add types) and CastLike.
    static func registerCastKernels(into registry: inout KernelRegistry) {
        registry.register("Cast", versions: 1...5) { node throws(ModelError) in try CastKernel(node) }
        registry.register("Cast", versions: 6...21) { node throws(ModelError) in try CastKernel(node) }
        registry.register("CastLike", versions: 15...21) { node throws(ModelError) in CastLikeKernel(context: NodeContext(node)) }
    }
}
