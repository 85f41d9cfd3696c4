extension DefaultKernels {
    /// Constant: outputs the tensor given by exactly one of `value`, `value_float(s)`,
    /// `value_int(s)` or `value_string(s)` (the scalar forms give 0-D tensors, the list forms 1-D).
    struct ConstantKernel: Kernel {
        let value: Tensor

        init(_ node: NodeInfo) throws(ModelError) {
            let attributes = Attributes(node)
            var candidates: [Tensor] = []
            if let tensor = try attributes.tensor("value") { candidates.append(tensor) }
            if let value = try attributes.optionalFloat("value_float") { candidates.append(Tensor(shape: [], float32: [value])) }
            if let values = try attributes.floats("value_floats"), attributes.has("value_floats") {
                candidates.append(Tensor(shape: [values.count], float32: values))
            }
            if let value = try attributes.optionalInt("value_int") { candidates.append(Tensor(shape: [], int64: [Int64(value)])) }
            if let values = try attributes.ints("value_ints") {
                candidates.append(Tensor(shape: [values.count], int64: values.map { Int64($0) }))
            }
            if let value = try attributes.string("value_string") { candidates.append(Tensor(shape: [], string: [value])) }
            if let values = try attributes.strings("value_strings") { candidates.append(Tensor(shape: [values.count], string: values)) }
            if attributes.has("sparse_value") { throw attributes.context.invalid("sparse_value is not supported") }
            guard candidates.count == 1 else {
                throw attributes.context.invalid("exactly one value attribute is required, found \(candidates.count)")
            }
            value = candidates[0]
        }

        func run(_ inputs: [Value?]) throws(ModelError) -> [Value] {
            [.tensor(value)]
        }
    }

    /// ConstantOfShape: a tensor of the shape given by the int64 input, filled with the single
    /// element of the `value` attribute (float32 0 by default).
    struct ConstantOfShapeKernel: Kernel {
        let context: NodeContext
        let fill: Tensor

        init(_ node: NodeInfo) throws(ModelError) {
            let attributes = Attributes(node)
            context = attributes.context
            let value = try attributes.tensor("value") ?? Tensor(shape: [1], float32: [0])
            guard value.count == 1 else { throw context.invalid("value must hold exactly one element") }
            fill = value
        }

        struct Filler: StorageVisitor {
            typealias Output = TensorData
            let count: Int
            func visit<S: StorageType>(_ type: S.Type, _ values: [S.Scalar]) throws(ModelError) -> TensorData {
                S.wrap([S.Scalar](repeating: values[0], count: count))
            }
        }

        func run(_ inputs: [Value?]) throws(ModelError) -> [Value] {
            let shape = try integers(try tensorInput(inputs, 0, context), "shape", context.failure)
            guard shape.allSatisfy({ $0 >= 0 }) else { throw context.failure("negative dimension in \(describe(shape))") }
            let data = try visitStorage(fill.data, Filler(count: elementCount(shape)))
            return [.tensor(Tensor(shape: shape, data: data))]
        }
    }

    /// Registers Constant (1, 9, 11, 12 added the value_* forms, 13, 19, 21 types) and ConstantOfShape.
    static func registerConstantKernels(into registry: inout KernelRegistry) {
        registry.register("Constant", versions: 1...11) { node throws(ModelError) in try ConstantKernel(node) }
        registry.register("Constant", versions: 12...21) { node throws(ModelError) in try ConstantKernel(node) }
        registry.register("ConstantOfShape", versions: 9...21) { node throws(ModelError) in try ConstantOfShapeKernel(node) }
    }
}
