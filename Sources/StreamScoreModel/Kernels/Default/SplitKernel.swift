extension DefaultKernels {
    /// Split along `axis` into the node's outputs: by `split` sizes (attribute in 1-12, also an
    /// input in opset 1, input from 13), by `num_outputs` (18+, last chunk may be smaller), or
    /// into equal parts.
    struct SplitKernel: Kernel {
        let context: NodeContext
        let axis: Int
        let outputCount: Int
        let splitAttribute: [Int]?
        let splitFromInput: Bool
        let chunkedByNumOutputs: Bool

        init(_ node: NodeInfo) throws(ModelError) {
            let attributes = Attributes(node)
            context = attributes.context
            axis = try attributes.int("axis", default: 0)
            outputCount = node.outputs.count
            let version = node.opsetVersion
            splitAttribute = version < 13 ? try attributes.ints("split") : nil
            splitFromInput = version == 1 || version >= 13
            if version >= 18, let count = try attributes.optionalInt("num_outputs") {
                guard count == outputCount else {
                    throw context.invalid("num_outputs \(count) differs from the \(outputCount) outputs")
                }
                chunkedByNumOutputs = true
            } else {
                chunkedByNumOutputs = false
            }
        }

        func sizes(_ inputs: [Value?], dim: Int) throws(ModelError) -> [Int] {
            var split = splitAttribute
            if splitFromInput, let tensor = try optionalTensorInput(inputs, 1, context) {
                split = try integers(tensor, "split", context.failure)
            }
            if let split {
                guard split.count == outputCount, split.allSatisfy({ $0 >= 0 }), split.reduce(0, +) == dim else {
                    throw context.failure("split \(split) does not divide a dimension of \(dim) into \(outputCount) outputs")
                }
                return split
            }
            if chunkedByNumOutputs {
                let chunk = (dim + outputCount - 1) / outputCount
                return (0..<outputCount).map { max(0, min(chunk, dim - $0 * chunk)) }
            }
            guard outputCount > 0, dim % outputCount == 0 else {
                throw context.failure("a dimension of \(dim) cannot be split evenly into \(outputCount) outputs")
            }
            return [Int](repeating: dim / outputCount, count: outputCount)
        }

        func run(_ inputs: [Value?]) throws(ModelError) -> [Value] {
            let data = try tensorInput(inputs, 0, context)
            let resolved = try normalizedAxis(axis, rank: data.rank, context.failure)
            let sizes = try sizes(inputs, dim: data.shape[resolved])
            let strides = rowMajorStrides(data.shape)
            var outputs: [Value] = []
            var start = 0
            for size in sizes {
                var shape = data.shape
                shape[resolved] = size
                let base = size > 0 ? start * strides[resolved] : 0
                let part = try visitStorage(data.data, StridedCopier(base: base, shape: shape, strides: strides))
                outputs.append(.tensor(Tensor(shape: shape, data: part)))
                start += size
            }
            return outputs
        }
    }

    /// Registers Split (1: split input or attribute; 2-12: attribute; 13-17: input; 18+: also num_outputs).
    static func registerSplitKernel(into registry: inout KernelRegistry) {
        registry.register("Split", versions: 1...1) { node throws(ModelError) in try SplitKernel(node) }
        registry.register("Split", versions: 2...12) { node throws(ModelError) in try SplitKernel(node) }
        registry.register("Split", versions: 13...17) { node throws(ModelError) in try SplitKernel(node) }
        registry.register("Split", versions: 18...21) { node throws(ModelError) in try SplitKernel(node) }
    }
}
