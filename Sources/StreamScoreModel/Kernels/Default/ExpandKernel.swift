extension DefaultKernels {
    /// Expand: broadcasts the input to the broadcast of its shape and the requested shape.
    struct ExpandKernel: Kernel {
        let context: NodeContext

        func run(_ inputs: [Value?]) throws(ModelError) -> [Value] {
            let data = try tensorInput(inputs, 0, context)
            let requested = try integers(try tensorInput(inputs, 1, context), "shape", context.failure)
            guard let shape = Broadcast.shape(data.shape, requested) else {
                throw context.failure("cannot expand \(describe(data.shape)) to \(describe(requested))")
            }
            let strides = Broadcast.strides(of: data.shape, in: shape)
            let result = try visitStorage(data.data, StridedCopier(base: 0, shape: shape, strides: strides))
            return [.tensor(Tensor(shape: shape, data: result))]
        }
    }

    /// Registers Expand (8, 13).
    static func registerExpandKernel(into registry: inout KernelRegistry) {
        registry.register("Expand", versions: 8...21) { node throws(ModelError) in ExpandKernel(context: NodeContext(node)) }
    }
}
