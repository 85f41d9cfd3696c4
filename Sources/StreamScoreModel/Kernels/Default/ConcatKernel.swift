extension DefaultKernels {
    /// Concat along `axis` (default 1 in opset 1, required from 4, negative from 11), any
    /// element type: for each outer index, each input's block is copied in turn.
    struct ConcatKernel: Kernel {
        let context: NodeContext
        let axis: Int

        init(_ node: NodeInfo) throws(ModelError) {
            let attributes = Attributes(node)
            context = attributes.context
            if node.opsetVersion < 4 {
                axis = try attributes.int("axis", default: 1)
            } else {
                guard let axis = try attributes.optionalInt("axis") else { throw context.invalid("missing attribute 'axis'") }
                self.axis = axis
            }
        }

        struct Concatenator: StorageVisitor {
            typealias Output = TensorData
            let tensors: [Tensor]
            let axis: Int
            let outer: Int
            let context: NodeContext

            func visit<S: StorageType>(_ type: S.Type, _ first: [S.Scalar]) throws(ModelError) -> TensorData {
                var parts: [[S.Scalar]] = []
                parts.reserveCapacity(tensors.count)
                for tensor in tensors {
                    guard let values = S.unwrap(tensor.data) else {
                        throw context.failure("input types differ: \(S.elementType) and \(tensor.elementType)")
                    }
                    parts.append(values)
                }
                let blocks = parts.map { outer == 0 ? 0 : $0.count / outer }
                let total = parts.reduce(0) { $0 + $1.count }
                let result = makeArray(count: total) { (out: UnsafeMutablePointer<S.Scalar>) in
                    var written = 0
                    for row in 0..<outer {
                        for (part, block) in zip(parts, blocks) where block > 0 {
                            part.withUnsafeBufferPointer { source in
                                (out + written).initialize(from: address(source) + row * block, count: block)
                            }
                            written += block
                        }
                    }
                }
                return S.wrap(result)
            }
        }

        func run(_ inputs: [Value?]) throws(ModelError) -> [Value] {
            var tensors: [Tensor] = []
            for index in inputs.indices { tensors.append(try tensorInput(inputs, index, context)) }
            guard let first = tensors.first else { throw context.failure("needs at least one input") }
            let rank = first.rank
            let resolved = try normalizedAxis(axis, rank: rank, context.failure)
            var shape = first.shape
            shape[resolved] = 0
            for tensor in tensors {
                guard tensor.rank == rank,
                      tensor.shape.enumerated().allSatisfy({ $0.offset == resolved || $0.element == first.shape[$0.offset] }) else {
                    throw context.failure("cannot concatenate \(describe(tensor.shape)) with \(describe(first.shape)) on axis \(axis)")
                }
                shape[resolved] += tensor.shape[resolved]
            }
            let outer = elementCount(first.shape.prefix(resolved))
            let data = try visitStorage(first.data, Concatenator(tensors: tensors, axis: resolved, outer: outer, context: context))
            return [.tensor(Tensor(shape: shape, data: data))]
        }
    }

    /// Registers Concat (1-3: axis defaults to 1; 4+: axis required, negative from 11).
    static func registerConcatKernel(into registry: inout KernelRegistry) {
        registry.register("Concat", versions: 1...3) { node throws(ModelError) in try ConcatKernel(node) }
        registry.register("Concat", versions: 4...21) { node throws(ModelError) in try ConcatKernel(node) }
    }
}
