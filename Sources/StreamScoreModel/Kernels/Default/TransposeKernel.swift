extension DefaultKernels {
    /// Transpose by `perm` (default: reverse the axes), any element type.
    struct TransposeKernel: Kernel {
        let context: NodeContext
        let permutation: [Int]?

        init(_ node: NodeInfo) throws(ModelError) {
            let attributes = Attributes(node)
            context = attributes.context
            permutation = try attributes.ints("perm")
        }

        func run(_ inputs: [Value?]) throws(ModelError) -> [Value] {
            let data = try tensorInput(inputs, 0, context)
            let rank = data.rank
            let perm = permutation ?? Array((0..<rank).reversed())
            guard perm.count == rank, Set(perm) == Set(0..<rank) else {
                throw context.failure("perm \(perm) is not a permutation of the \(rank) axes")
            }
            let inputStrides = rowMajorStrides(data.shape)
            let shape = perm.map { data.shape[$0] }
            let strides = perm.map { inputStrides[$0] }
            let result = try visitStorage(data.data, StridedCopier(base: 0, shape: shape, strides: strides))
            return [.tensor(Tensor(shape: shape, data: result))]
        }
    }

    /// Registers Transpose (1, 13, 21: type additions only).
    static func registerTransposeKernel(into registry: inout KernelRegistry) {
        registry.register("Transpose", versions: 1...21) { node throws(ModelError) in try TransposeKernel(node) }
    }
}
