extension DefaultKernels {
    /// Applies `transform` to every element in a tight loop over unsafe buffers.
    @inline(__always)
    static func mapElements<In, Out>(_ input: [In], _ transform: (In) -> Out) -> [Out] {
        input.withUnsafeBufferPointer { source in
            makeArray(count: source.count) { (out: UnsafeMutablePointer<Out>) in
                let base = source.baseAddress!
                for index in 0..<source.count { (out + index).initialize(to: transform(base[index])) }
            }
        }
    }

    /// Elementwise functions of one operand.
    enum UnaryFunction: Sendable {
        // Any numeric type.
        case negate, absolute, relu, sign
        // Floating types only.
        case squareRoot, exp, log, reciprocal, sigmoid, tanh, erf, floor, ceil, round

        var acceptsIntegers: Bool {
            switch self {
            case .negate, .absolute, .relu, .sign: true
            default: false
            }
        }
    }

    /// Neg, Abs, Relu, Sign, Sqrt, Exp, Log, Reciprocal, Sigmoid, Tanh, Erf, Floor, Ceil, Round.
    struct UnaryKernel: Kernel {
        let context: NodeContext
        let function: UnaryFunction

        init(_ node: NodeInfo, _ function: UnaryFunction) {
            context = NodeContext(node)
            self.function = function
        }

        struct NumericApplier: NumericVisitor {
            typealias Output = TensorData
            let function: UnaryFunction

            func visit<N: NumericType>(_ type: N.Type, _ x: [N.Scalar]) throws(ModelError) -> TensorData {
                switch function {
                case .negate: return N.wrap(mapElements(x) { N.negate($0) })
                case .absolute: return N.wrap(mapElements(x) { N.absolute($0) })
                case .relu: return N.wrap(mapElements(x) { $0 < N.zero ? N.zero : $0 })
                case .sign:
                    return N.wrap(mapElements(x) { value in
                        value > N.zero ? N.one : (value < N.zero ? N.negate(N.one) : (value == N.zero ? N.zero : value))
                    })
                default: preconditionFailure("floating-only function dispatched as numeric")
                }
            }
        }

        struct FloatingApplier: FloatingVisitor {
            typealias Output = TensorData
            let function: UnaryFunction

            func visit<F: FloatingType>(_ type: F.Type, _ x: [F.Scalar]) throws(ModelError) -> TensorData {
                switch function {
                case .squareRoot: return F.wrap(mapElements(x) { F.squareRoot($0) })
                case .exp: return F.wrap(mapElements(x) { F.exp($0) })
                case .log: return F.wrap(mapElements(x) { F.log($0) })
                case .reciprocal: return F.wrap(mapElements(x) { 1 / $0 })
                case .sigmoid: return F.wrap(mapElements(x) { 1 / (1 + F.exp(-$0)) })
                case .tanh: return F.wrap(mapElements(x) { F.tanh($0) })
                case .erf: return F.wrap(mapElements(x) { F.erf($0) })
                case .floor: return F.wrap(mapElements(x) { $0.rounded(.down) })
                case .ceil: return F.wrap(mapElements(x) { $0.rounded(.up) })
                case .round: return F.wrap(mapElements(x) { $0.rounded(.toNearestOrEven) })
                default: return try NumericApplier(function: function).visit(F.self, x)
                }
            }
        }

        /// The float32 paths with dedicated vector loops.
        @inline(__always)
        static func vectorised(_ function: UnaryFunction, _ values: [Float]) -> [Float]? {
            switch function {
            case .relu: mapElements(values) { $0 < 0 ? 0 : $0 }
            case .exp: VectorMath.map(values, VectorMath.Exp.self)
            case .sigmoid: VectorMath.map(values, VectorMath.Sigmoid.self)
            case .tanh: VectorMath.map(values, VectorMath.Tanh.self)
            default: nil
            }
        }

        func unsupportedType(_ tensor: Tensor) -> ModelError {
            context.failure("unsupported element type \(tensor.elementType)")
        }

        func run(_ inputs: [Value?]) throws(ModelError) -> [Value] {
            let x = try tensorInput(inputs, 0, context)
            let data: TensorData
            if case .float32(let values) = x.data, let fast = Self.vectorised(function, values) {
                data = .float32(fast)
            } else if function.acceptsIntegers, x.elementType == .int64 || x.elementType == .int32 {
                data = try visitNumeric(x.data, NumericApplier(function: function), unsupported: unsupportedType(x))
            } else {
                data = try visitFloating(x.data, FloatingApplier(function: function), unsupported: unsupportedType(x))
            }
            return [.tensor(Tensor(shape: x.shape, data: data))]
        }
    }

    /// LeakyRelu: `x` for x >= 0, `alpha * x` otherwise (alpha defaults to 0.01).
    struct LeakyReluKernel: Kernel {
        let context: NodeContext
        let alpha: Float

        init(_ node: NodeInfo) throws(ModelError) {
            context = NodeContext(node)
            alpha = try Attributes(node).float("alpha", default: 0.01)
        }

        func run(_ inputs: [Value?]) throws(ModelError) -> [Value] {
            let x = try tensorInput(inputs, 0, context)
            let alpha = alpha
            switch x.data {
            case .float32(let values):
                return [.tensor(Tensor(shape: x.shape, float32: mapElements(values) { $0 < 0 ? alpha * $0 : $0 }))]
            case .float64(let values):
                let scale = Double(alpha)
                return [.tensor(Tensor(shape: x.shape, float64: mapElements(values) { $0 < 0 ? scale * $0 : $0 }))]
            default:
                throw context.failure("unsupported element type \(x.elementType)")
            }
        }
    }

    /// IsNaN: a bool tensor marking NaN elements.
    struct IsNaNKernel: Kernel {
        let context: NodeContext

        func run(_ inputs: [Value?]) throws(ModelError) -> [Value] {
            let x = try tensorInput(inputs, 0, context)
            switch x.data {
            case .float32(let values): return [.tensor(Tensor(shape: x.shape, bool: mapElements(values) { $0.isNaN }))]
            case .float64(let values): return [.tensor(Tensor(shape: x.shape, bool: mapElements(values) { $0.isNaN }))]
            default: throw context.failure("unsupported element type \(x.elementType)")
            }
        }
    }

    /// Not: logical negation of a bool tensor.
    struct NotKernel: Kernel {
        let context: NodeContext

        func run(_ inputs: [Value?]) throws(ModelError) -> [Value] {
            let x = try tensorInput(inputs, 0, context)
            guard case .bool(let values) = x.data else {
                throw context.failure("input must be bool, got \(x.elementType)")
            }
            return [.tensor(Tensor(shape: x.shape, bool: mapElements(values) { !$0 }))]
        }
    }

    /// Registers the elementwise unary operators.
    static func registerUnaryKernels(into registry: inout KernelRegistry) {
        // Versions 1-5 only add the ignored `consumed_inputs` attribute; later versions add types.
        let functions: [(String, UnaryFunction, ClosedRange<Int>)] = [
            ("Neg", .negate, 1...21), ("Abs", .absolute, 1...21), ("Relu", .relu, 1...21),
            ("Sqrt", .squareRoot, 1...21), ("Exp", .exp, 1...21), ("Log", .log, 1...21),
            ("Reciprocal", .reciprocal, 1...21), ("Sigmoid", .sigmoid, 1...21), ("Tanh", .tanh, 1...21),
            ("Floor", .floor, 1...21), ("Ceil", .ceil, 1...21),
            ("Erf", .erf, 9...21), ("Sign", .sign, 9...21), ("Round", .round, 11...21),
        ]
        for (op, function, versions) in functions {
            registry.register(op, versions: versions) { node throws(ModelError) in UnaryKernel(node, function) }
        }
        registry.register("LeakyRelu", versions: 1...21) { node throws(ModelError) in try LeakyReluKernel(node) }
        registry.register("IsNaN", versions: 9...21) { node throws(ModelError) in IsNaNKernel(context: NodeContext(node)) }
        registry.register("Not", versions: 1...21) { node throws(ModelError) in NotKernel(context: NodeContext(node)) }
    }
}
