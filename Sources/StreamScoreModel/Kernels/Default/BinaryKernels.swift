extension DefaultKernels {
    /// The two operands of a broadcasting binary operator and the output shape.
    struct BinaryOperands {
        let a: Tensor
        let b: Tensor
        /// B's shape after legacy (opset < 7) alignment.
        let bShape: [Int]
        let outputShape: [Int]

        @inline(__always)
        init(_ inputs: [Value?], _ legacy: LegacyBroadcast?, _ context: NodeContext,
             sameType: Bool = true) throws(ModelError) {
            a = try tensorInput(inputs, 0, context)
            b = try tensorInput(inputs, 1, context)
            if sameType && a.elementType != b.elementType {
                throw context.failure("operand types differ: \(a.elementType) and \(b.elementType)")
            }
            bShape = try legacy?.alignedShape(b.shape, to: a.shape, context) ?? b.shape
            guard let shape = Broadcast.shape(a.shape, bShape) else {
                throw context.failure("shapes \(describe(a.shape)) and \(describe(b.shape)) cannot be broadcast")
            }
            outputShape = shape
        }
    }

    enum ArithmeticOperator: Sendable {
        case add, subtract, multiply, divide
    }

    /// Add, Sub, Mul, Div on float32, float64, int64 and int32 with broadcasting.
    struct ArithmeticKernel: Kernel {
        let context: NodeContext
        let operation: ArithmeticOperator
        let legacy: LegacyBroadcast?

        init(_ node: NodeInfo, _ operation: ArithmeticOperator) throws(ModelError) {
            context = NodeContext(node)
            self.operation = operation
            legacy = try LegacyBroadcast(node)
        }

        struct Visitor: NumericVisitor {
            typealias Output = TensorData
            let operation: ArithmeticOperator
            let operands: BinaryOperands

            @inline(__always)
            func visit<N: NumericType>(_ type: N.Type, _ a: [N.Scalar]) throws(ModelError) -> TensorData {
                let b = N.unwrap(operands.b.data)!
                let aShape = operands.a.shape, bShape = operands.bShape, shape = operands.outputShape
                switch operation {
                case .add: return N.wrap(Broadcast.apply(AddOperation<N>(), a, aShape, b, bShape, outputShape: shape))
                case .subtract: return N.wrap(Broadcast.apply(SubtractOperation<N>(), a, aShape, b, bShape, outputShape: shape))
                case .multiply: return N.wrap(Broadcast.apply(MultiplyOperation<N>(), a, aShape, b, bShape, outputShape: shape))
                case .divide: return N.wrap(Broadcast.apply(DivideOperation<N>(), a, aShape, b, bShape, outputShape: shape))
                }
            }
        }

        func run(_ inputs: [Value?]) throws(ModelError) -> [Value] {
            let operands = try BinaryOperands(inputs, legacy, context)
            let data = try visitNumeric(operands.a.data, Visitor(operation: operation, operands: operands),
                                        unsupported: context.failure("unsupported element type \(operands.a.elementType)"))
            return [.tensor(Tensor(shape: operands.outputShape, data: data))]
        }
    }

    /// Mod: integer remainder with the sign of the divisor (fmod=0) or dividend (fmod=1);
    /// floating `fmod` (floating inputs require fmod=1).
    struct ModKernel: Kernel {
        let context: NodeContext
        let truncated: Bool

        init(_ node: NodeInfo) throws(ModelError) {
            context = NodeContext(node)
            truncated = try Attributes(node).flag("fmod", default: false)
        }

        func run(_ inputs: [Value?]) throws(ModelError) -> [Value] {
            let operands = try BinaryOperands(inputs, nil, context)
            let a = operands.a, b = operands.b, bShape = operands.bShape, shape = operands.outputShape
            let data: TensorData
            switch (a.data, b.data) {
            case (.int64(let x), .int64(let y)):
                data = .int64(Broadcast.apply(IntegerModOperation<Int64Type>(truncated: truncated), x, a.shape, y, bShape, outputShape: shape))
            case (.int32(let x), .int32(let y)):
                data = .int32(Broadcast.apply(IntegerModOperation<Int32Type>(truncated: truncated), x, a.shape, y, bShape, outputShape: shape))
            case (.float32(let x), .float32(let y)) where truncated:
                data = .float32(Broadcast.apply(FloatingModOperation<Float32Type>(), x, a.shape, y, bShape, outputShape: shape))
            case (.float64(let x), .float64(let y)) where truncated:
                data = .float64(Broadcast.apply(FloatingModOperation<Float64Type>(), x, a.shape, y, bShape, outputShape: shape))
            case (.float32, _), (.float64, _):
                throw context.failure("fmod must be 1 for floating-point inputs")
            default:
                throw context.failure("unsupported element type \(a.elementType)")
            }
            return [.tensor(Tensor(shape: shape, data: data))]
        }
    }

    /// Pow: the output has the base's type; the exponent may be any numeric type (opset 12+).
    struct PowKernel: Kernel {
        let context: NodeContext
        let legacy: LegacyBroadcast?

        init(_ node: NodeInfo) throws(ModelError) {
            context = NodeContext(node)
            legacy = try LegacyBroadcast(node)
        }

        struct Visitor: NumericVisitor {
            typealias Output = TensorData
            let operands: BinaryOperands

            func visit<N: NumericType>(_ type: N.Type, _ base: [N.Scalar]) throws(ModelError) -> TensorData {
                let shape = operands.outputShape
                let exponent: [Double]
                switch operands.b.data {
                case .float32(let values): exponent = values.map(Double.init)
                case .float64(let values): exponent = values
                case .int64(let values): exponent = values.map(Double.init)
                case .int32(let values): exponent = values.map(Double.init)
                case .bool, .string: exponent = []  // rejected by the kernel before visiting
                }
                return N.wrap(Broadcast.apply(MixedPowerOperation<N>(), base, operands.a.shape,
                                              exponent, operands.bShape, outputShape: shape))
            }
        }

        func run(_ inputs: [Value?]) throws(ModelError) -> [Value] {
            let operands = try BinaryOperands(inputs, legacy, context, sameType: false)
            let a = operands.a, b = operands.b, shape = operands.outputShape
            guard b.elementType != .bool && b.elementType != .string else {
                throw context.failure("unsupported exponent type \(b.elementType)")
            }
            let data: TensorData
            switch (a.data, b.data) {
            case (.float32(let x), .float32(let y)) where y.count == 1 && y[0] == 2 && shape == a.shape:
                data = .float32(x.map { $0 * $0 })
            case (.float32(let x), .float32(let y)):
                data = .float32(Broadcast.apply(FloatingPowerOperation<Float32Type>(), x, a.shape, y, operands.bShape, outputShape: shape))
            case (.float64(let x), .float64(let y)):
                data = .float64(Broadcast.apply(FloatingPowerOperation<Float64Type>(), x, a.shape, y, operands.bShape, outputShape: shape))
            default:
                data = try visitNumeric(a.data, Visitor(operands: operands),
                                        unsupported: context.failure("unsupported base type \(a.elementType)"))
            }
            return [.tensor(Tensor(shape: shape, data: data))]
        }
    }

    enum ComparisonOperator: Sendable {
        case equal, greater, less, greaterOrEqual, lessOrEqual
    }

    /// Equal, Greater, Less, GreaterOrEqual, LessOrEqual with a bool output. Equal also compares
    /// bools and strings.
    struct ComparisonKernel: Kernel {
        let context: NodeContext
        let operation: ComparisonOperator
        let legacy: LegacyBroadcast?

        init(_ node: NodeInfo, _ operation: ComparisonOperator) throws(ModelError) {
            context = NodeContext(node)
            self.operation = operation
            legacy = try LegacyBroadcast(node)
        }

        struct NumericComparison: NumericVisitor {
            typealias Output = [Bool]
            let operation: ComparisonOperator
            let operands: BinaryOperands

            func visit<N: NumericType>(_ type: N.Type, _ a: [N.Scalar]) throws(ModelError) -> [Bool] {
                let b = N.unwrap(operands.b.data)!
                let aShape = operands.a.shape, bShape = operands.bShape, shape = operands.outputShape
                switch operation {
                case .equal: return Broadcast.apply(EqualOperation<N>(), a, aShape, b, bShape, outputShape: shape)
                case .greater: return Broadcast.apply(GreaterOperation<N>(), a, aShape, b, bShape, outputShape: shape)
                case .less: return Broadcast.apply(LessOperation<N>(), a, aShape, b, bShape, outputShape: shape)
                case .greaterOrEqual: return Broadcast.apply(GreaterOrEqualOperation<N>(), a, aShape, b, bShape, outputShape: shape)
                case .lessOrEqual: return Broadcast.apply(LessOrEqualOperation<N>(), a, aShape, b, bShape, outputShape: shape)
                }
            }
        }

        func run(_ inputs: [Value?]) throws(ModelError) -> [Value] {
            let operands = try BinaryOperands(inputs, legacy, context)
            let a = operands.a, shape = operands.outputShape
            let result: [Bool]
            switch a.data {
            case .bool(let x) where operation == .equal:
                result = Broadcast.apply(EqualOperation<BoolType>(), x, a.shape, BoolType.unwrap(operands.b.data)!,
                                         operands.bShape, outputShape: shape)
            case .string(let x) where operation == .equal:
                result = Broadcast.apply(EqualOperation<StringType>(), x, a.shape, StringType.unwrap(operands.b.data)!,
                                         operands.bShape, outputShape: shape)
            default:
                result = try visitNumeric(a.data, NumericComparison(operation: operation, operands: operands),
                                          unsupported: context.failure("unsupported element type \(a.elementType)"))
            }
            return [.tensor(Tensor(shape: shape, data: .bool(result)))]
        }
    }

    enum LogicalOperator: Sendable {
        case and, or, xor
    }

    /// And, Or, Xor on bool tensors with broadcasting.
    struct LogicalKernel: Kernel {
        let context: NodeContext
        let operation: LogicalOperator
        let legacy: LegacyBroadcast?

        init(_ node: NodeInfo, _ operation: LogicalOperator) throws(ModelError) {
            context = NodeContext(node)
            self.operation = operation
            legacy = try LegacyBroadcast(node)
        }

        func run(_ inputs: [Value?]) throws(ModelError) -> [Value] {
            let operands = try BinaryOperands(inputs, legacy, context)
            guard case .bool(let a) = operands.a.data, case .bool(let b) = operands.b.data else {
                throw context.failure("inputs must be bool, got \(operands.a.elementType)")
            }
            let aShape = operands.a.shape, bShape = operands.bShape, shape = operands.outputShape
            let result: [Bool]
            switch operation {
            case .and: result = Broadcast.apply(AndOperation(), a, aShape, b, bShape, outputShape: shape)
            case .or: result = Broadcast.apply(OrOperation(), a, aShape, b, bShape, outputShape: shape)
            case .xor: result = Broadcast.apply(XorOperation(), a, aShape, b, bShape, outputShape: shape)
            }
            return [.tensor(Tensor(shape: shape, data: .bool(result)))]
        }
    }

    /// Registers the broadcasting binary operators.
    static func registerBinaryKernels(into registry: inout KernelRegistry) {
        let arithmetic: [(String, ArithmeticOperator)] = [("Add", .add), ("Sub", .subtract), ("Mul", .multiply), ("Div", .divide)]
        for (op, operation) in arithmetic {
            // 1-6: legacy `broadcast`/`axis` attributes; 7+: numpy-style broadcasting.
            registry.register(op, versions: 1...6) { node throws(ModelError) in try ArithmeticKernel(node, operation) }
            registry.register(op, versions: 7...21) { node throws(ModelError) in try ArithmeticKernel(node, operation) }
        }
        registry.register("Pow", versions: 1...6) { node throws(ModelError) in try PowKernel(node) }
        // 7-11: same-type base and exponent; 12+: the exponent may have its own type.
        registry.register("Pow", versions: 7...21) { node throws(ModelError) in try PowKernel(node) }
        registry.register("Mod", versions: 10...21) { node throws(ModelError) in try ModKernel(node) }

        let comparisons: [(String, ComparisonOperator, ClosedRange<Int>)] = [
            ("Equal", .equal, 7...21), ("Greater", .greater, 7...21), ("Less", .less, 7...21),
            ("GreaterOrEqual", .greaterOrEqual, 12...21), ("LessOrEqual", .lessOrEqual, 12...21),
        ]
        for (op, operation, versions) in comparisons {
            if versions.lowerBound == 7 {
                registry.register(op, versions: 1...6) { node throws(ModelError) in try ComparisonKernel(node, operation) }
            }
            registry.register(op, versions: versions) { node throws(ModelError) in try ComparisonKernel(node, operation) }
        }
        let logical: [(String, LogicalOperator)] = [("And", .and), ("Or", .or), ("Xor", .xor)]
        for (op, operation) in logical {
            registry.register(op, versions: 1...6) { node throws(ModelError) in try LogicalKernel(node, operation) }
            registry.register(op, versions: 7...21) { node throws(ModelError) in try LogicalKernel(node, operation) }
        }
    }
}
