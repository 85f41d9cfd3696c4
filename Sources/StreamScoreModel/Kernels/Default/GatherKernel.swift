extension DefaultKernels {
    /// Gather along `axis` (default 0) with int32/int64 indices; negative indices count from
    /// the end (opset 11+). Output shape: `data[..<axis] + indices + data[axis+1...]`.
    struct GatherKernel: Kernel {
        let context: NodeContext
        let axis: Int

        init(_ node: NodeInfo) throws(ModelError) {
            let attributes = Attributes(node)
            context = attributes.context
            axis = try attributes.int("axis", default: 0)
        }

        struct Gatherer: StorageVisitor {
            typealias Output = TensorData
            let indices: [Int]
            let outer: Int
            let axisSize: Int
            let inner: Int

            func visit<S: StorageType>(_ type: S.Type, _ values: [S.Scalar]) throws(ModelError) -> TensorData {
                let count = outer * indices.count * inner
                let result = values.withUnsafeBufferPointer { source in
                    makeArray(count: count) { (out: UnsafeMutablePointer<S.Scalar>) in
                        let input = address(source)
                        var written = 0
                        for row in 0..<outer {
                            let rowBase = row * axisSize * inner
                            for index in indices {
                                if inner == 1 {
                                    (out + written).initialize(to: input[rowBase + index])
                                } else {
                                    (out + written).initialize(from: input + rowBase + index * inner, count: inner)
                                }
                                written += inner
                            }
                        }
                    }
                }
                return S.wrap(result)
            }
        }

        func run(_ inputs: [Value?]) throws(ModelError) -> [Value] {
            let data = try tensorInput(inputs, 0, context)
            let indexTensor = try tensorInput(inputs, 1, context)
            let resolved = try normalizedAxis(axis, rank: data.rank, context.failure)
            let axisSize = data.shape[resolved]
            var indices = try integers(indexTensor, "indices", context.failure)
            for position in indices.indices {
                let index = indices[position]
                guard index >= -axisSize, index < axisSize else {
                    throw context.failure("index \(index) is out of range for an axis of size \(axisSize)")
                }
                if index < 0 { indices[position] = index + axisSize }
            }
            let shape = Array(data.shape.prefix(resolved)) + indexTensor.shape + Array(data.shape.dropFirst(resolved + 1))
            let gatherer = Gatherer(indices: indices, outer: elementCount(data.shape.prefix(resolved)), axisSize: axisSize,
                                    inner: elementCount(data.shape.dropFirst(resolved + 1)))
            return [.tensor(Tensor(shape: shape, data: try visitStorage(data.data, gatherer)))]
        }
    }

    /// Registers Gather (1; 11+ negative indices; 13 types).
    static func registerGatherKernel(into registry: inout KernelRegistry) {
        registry.register("Gather", versions: 1...21) { node throws(ModelError) in try GatherKernel(node) }
    }
}
