extension DefaultKernels {
    enum VariadicOperator: Sendable {
        case max, min, sum, mean
    }

    /// Max, Min, Sum, Mean over one or more inputs with multidirectional broadcasting,
    /// folded pairwise left to right.
    struct VariadicKernel: Kernel {
        let context: NodeContext
        let operation: VariadicOperator

        init(_ node: NodeInfo, _ operation: VariadicOperator) {
            context = NodeContext(node)
            self.operation = operation
        }

        struct Folder: NumericVisitor {
            typealias Output = TensorData
            let operation: VariadicOperator
            let tensors: [Tensor]
            let context: NodeContext

            func visit<N: NumericType>(_ type: N.Type, _ first: [N.Scalar]) throws(ModelError) -> TensorData {
                var shape = tensors[0].shape
                var accumulator = first
                for next in tensors.dropFirst() {
                    guard let values = N.unwrap(next.data) else {
                        throw context.failure("input types differ: \(N.elementType) and \(next.elementType)")
                    }
                    guard let merged = Broadcast.shape(shape, next.shape) else {
                        throw context.failure("shapes \(describe(shape)) and \(describe(next.shape)) cannot be broadcast")
                    }
                    switch operation {
                    case .max: accumulator = Broadcast.apply(MaximumOperation<N>(), accumulator, shape, values, next.shape, outputShape: merged)
                    case .min: accumulator = Broadcast.apply(MinimumOperation<N>(), accumulator, shape, values, next.shape, outputShape: merged)
                    case .sum, .mean: accumulator = Broadcast.apply(AddOperation<N>(), accumulator, shape, values, next.shape, outputShape: merged)
                    }
                    shape = merged
                }
                if operation == .mean && tensors.count > 1 {
                    let divisor = N.fromInt(tensors.count)
                    accumulator = mapElements(accumulator) { N.divide($0, divisor) }
                }
                return N.wrap(accumulator)
            }
        }

        func run(_ inputs: [Value?]) throws(ModelError) -> [Value] {
            var tensors: [Tensor] = []
            tensors.reserveCapacity(inputs.count)
            for index in inputs.indices { tensors.append(try tensorInput(inputs, index, context)) }
            guard let first = tensors.first else { throw context.failure("needs at least one input") }
            let data = try visitNumeric(first.data, Folder(operation: operation, tensors: tensors, context: context),
                                        unsupported: context.failure("unsupported element type \(first.elementType)"))
            let shape = Broadcast.shape(of: tensors.map(\.shape)) ?? first.shape
            return [.tensor(Tensor(shape: shape, data: data))]
        }
    }

    /// Registers Max, Min, Sum and Mean.
    static func registerVariadicKernels(into registry: inout KernelRegistry) {
        let operators: [(String, VariadicOperator)] = [("Max", .max), ("Min", .min), ("Sum", .sum), ("Mean", .mean)]
        for (op, operation) in operators {
            // 1-7: inputs of equal shape (a special case of the broadcasting of 8+).
            registry.register(op, versions: 1...7) { node throws(ModelError) in VariadicKernel(node, operation) }
            registry.register(op, versions: 8...21) { node throws(ModelError) in VariadicKernel(node, operation) }
        }
    }
}
