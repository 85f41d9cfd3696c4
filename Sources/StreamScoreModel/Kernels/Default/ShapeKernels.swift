extension DefaultKernels {
    /// Identity: passes its input through (tensors and, from opset 14, sequences).
    struct IdentityKernel: Kernel {
        let context: NodeContext

        func run(_ inputs: [Value?]) throws(ModelError) -> [Value] {
            guard let value = inputs.first ?? nil else { throw context.failure("missing required input 0") }
            return [value]
        }
    }

    /// Reshape. Opsets 1-4 take the shape as an attribute, 5+ as an input. A 0 copies the input
    /// dimension at the same position (unless `allowzero`=1, opset 14+, keeps it as 0) and one
    /// -1 is inferred from the element count.
    struct ReshapeKernel: Kernel {
        let context: NodeContext
        let shapeAttribute: [Int]?
        let allowZero: Bool

        init(_ node: NodeInfo, shapeFromAttribute: Bool) throws(ModelError) {
            let attributes = Attributes(node)
            context = attributes.context
            if shapeFromAttribute {
                guard let shape = try attributes.ints("shape") else { throw context.invalid("missing attribute 'shape'") }
                shapeAttribute = shape
            } else {
                shapeAttribute = nil
            }
            allowZero = try attributes.flag("allowzero", default: false)
        }

        func run(_ inputs: [Value?]) throws(ModelError) -> [Value] {
            let data = try tensorInput(inputs, 0, context)
            let requested: [Int]
            if let shapeAttribute {
                requested = shapeAttribute
            } else {
                requested = try integers(try tensorInput(inputs, 1, context), "shape", context.failure)
            }
            let shape = try Self.resolve(requested, input: data.shape, allowZero: allowZero, context)
            return [.tensor(Tensor(shape: shape, data: data.data))]
        }

        static func resolve(_ requested: [Int], input: [Int], allowZero: Bool, _ context: NodeContext) throws(ModelError) -> [Int] {
            var shape = requested
            var inferred: Int?
            for (index, dim) in requested.enumerated() {
                if dim == 0 && !allowZero {
                    guard index < input.count else {
                        throw context.failure("shape \(describe(requested)) copies dimension \(index) missing from \(describe(input))")
                    }
                    shape[index] = input[index]
                } else if dim == -1 {
                    guard inferred == nil else { throw context.failure("shape \(describe(requested)) has more than one -1") }
                    inferred = index
                } else if dim < 0 {
                    throw context.failure("invalid dimension \(dim) in shape \(describe(requested))")
                }
            }
            let total = elementCount(input)
            if let inferred {
                if allowZero && requested.contains(0) {
                    throw context.failure("shape \(describe(requested)) combines -1 with 0 under allowzero")
                }
                let known = shape.enumerated().reduce(1) { $1.offset == inferred ? $0 : $0 * $1.element }
                guard known != 0, total % known == 0 else {
                    throw context.failure("cannot reshape \(describe(input)) to \(describe(requested))")
                }
                shape[inferred] = total / known
            }
            guard elementCount(shape) == total else {
                throw context.failure("cannot reshape \(describe(input)) (\(total) elements) to \(describe(requested))")
            }
            return shape
        }
    }

    /// Flatten to 2-D: `[d0 * ... * d(axis-1), d(axis) * ... * dn]`. Negative axes from opset 11.
    struct FlattenKernel: Kernel {
        let context: NodeContext
        let axis: Int

        init(_ node: NodeInfo) throws(ModelError) {
            let attributes = Attributes(node)
            context = attributes.context
            axis = try attributes.int("axis", default: 1)
        }

        func run(_ inputs: [Value?]) throws(ModelError) -> [Value] {
            let data = try tensorInput(inputs, 0, context)
            let rank = data.rank
            let resolved = axis < 0 ? axis + rank : axis
            guard resolved >= 0, resolved <= rank else {
                throw context.failure("axis \(axis) is out of range for rank \(rank)")
            }
            let outer = elementCount(data.shape.prefix(resolved))
            return [.tensor(Tensor(shape: [outer, elementCount(data.shape.dropFirst(resolved))], data: data.data))]
        }
    }

    /// Squeeze: removes the listed size-1 axes (attribute before opset 13, input from 13),
    /// or every size-1 axis when none are given.
    struct SqueezeKernel: Kernel {
        let context: NodeContext
        /// Axes from the attribute (opset < 13); nil when they come from the input.
        let axesAttribute: [Int]?
        let axesFromInput: Bool

        init(_ node: NodeInfo, axesFromInput: Bool) throws(ModelError) {
            let attributes = Attributes(node)
            context = attributes.context
            self.axesFromInput = axesFromInput
            axesAttribute = axesFromInput ? nil : try attributes.ints("axes")
        }

        func run(_ inputs: [Value?]) throws(ModelError) -> [Value] {
            let data = try tensorInput(inputs, 0, context)
            var axes = axesAttribute
            if axesFromInput, let tensor = try optionalTensorInput(inputs, 1, context) {
                axes = try integers(tensor, "axes", context.failure)
            }
            let shape: [Int]
            if let axes {
                let resolved = try normalizedAxes(axes, rank: data.rank, context.failure)
                for axis in resolved where data.shape[axis] != 1 {
                    throw context.failure("cannot squeeze axis \(axis) of size \(data.shape[axis]) in \(describe(data.shape))")
                }
                shape = data.shape.enumerated().filter { !resolved.contains($0.offset) }.map(\.element)
            } else {
                shape = data.shape.filter { $0 != 1 }
            }
            return [.tensor(Tensor(shape: shape, data: data.data))]
        }
    }

    /// Unsqueeze: inserts size-1 axes at the listed positions of the output (attribute before
    /// opset 13, input from 13; negative axes count from the output's end, opset 11+).
    struct UnsqueezeKernel: Kernel {
        let context: NodeContext
        let axesAttribute: [Int]?

        init(_ node: NodeInfo, axesFromInput: Bool) throws(ModelError) {
            let attributes = Attributes(node)
            context = attributes.context
            if axesFromInput {
                axesAttribute = nil
            } else {
                guard let axes = try attributes.ints("axes") else { throw context.invalid("missing attribute 'axes'") }
                axesAttribute = axes
            }
        }

        func run(_ inputs: [Value?]) throws(ModelError) -> [Value] {
            let data = try tensorInput(inputs, 0, context)
            let axes: [Int]
            if let axesAttribute {
                axes = axesAttribute
            } else {
                axes = try integers(try tensorInput(inputs, 1, context), "axes", context.failure)
            }
            let outputRank = data.rank + axes.count
            let resolved = try normalizedAxes(axes, rank: outputRank, context.failure)
            var shape: [Int] = []
            shape.reserveCapacity(outputRank)
            var source = data.shape.makeIterator()
            for position in 0..<outputRank {
                shape.append(resolved.contains(position) ? 1 : source.next()!)
            }
            return [.tensor(Tensor(shape: shape, data: data.data))]
        }
    }

    /// Shape: the input's dimensions as a 1-D int64 tensor, sliced by `start`/`end` (opset 15+,
    /// negative values count from the end, out-of-range values are clamped).
    struct ShapeKernel: Kernel {
        let context: NodeContext
        let start: Int
        let end: Int?

        init(_ node: NodeInfo) throws(ModelError) {
            let attributes = Attributes(node)
            context = attributes.context
            start = try attributes.int("start", default: 0)
            end = try attributes.optionalInt("end")
        }

        init(context: NodeContext, start: Int, end: Int?) {
            self.context = context
            self.start = start
            self.end = end
        }

        func run(_ inputs: [Value?]) throws(ModelError) -> [Value] {
            let data = try tensorInput(inputs, 0, context)
            let rank = data.rank
            func clamp(_ value: Int) -> Int { min(max(value < 0 ? value + rank : value, 0), rank) }
            let first = clamp(start), last = clamp(end ?? rank)
            let dims = first < last ? data.shape[first..<last].map { Int64($0) } : []
            return [.tensor(Tensor(shape: [dims.count], int64: dims))]
        }
    }

    /// Registers Identity, Reshape, Flatten, Squeeze, Unsqueeze and Shape.
    static func registerShapeKernels(into registry: inout KernelRegistry) {
        registry.register("Identity", versions: 1...21) { node throws(ModelError) in IdentityKernel(context: NodeContext(node)) }
        registry.register("Reshape", versions: 1...4) { node throws(ModelError) in try ReshapeKernel(node, shapeFromAttribute: true) }
        registry.register("Reshape", versions: 5...13) { node throws(ModelError) in try ReshapeKernel(node, shapeFromAttribute: false) }
        registry.register("Reshape", versions: 14...21) { node throws(ModelError) in try ReshapeKernel(node, shapeFromAttribute: false) }
        // 1-8: axis in [0, rank]; 9+: more types; 11+: negative axes.
        registry.register("Flatten", versions: 1...21) { node throws(ModelError) in try FlattenKernel(node) }
        registry.register("Squeeze", versions: 1...12) { node throws(ModelError) in try SqueezeKernel(node, axesFromInput: false) }
        registry.register("Squeeze", versions: 13...21) { node throws(ModelError) in try SqueezeKernel(node, axesFromInput: true) }
        registry.register("Unsqueeze", versions: 1...12) { node throws(ModelError) in try UnsqueezeKernel(node, axesFromInput: false) }
        registry.register("Unsqueeze", versions: 13...21) { node throws(ModelError) in try UnsqueezeKernel(node, axesFromInput: true) }
        registry.register("Shape", versions: 1...14) { node throws(ModelError) in ShapeKernel(context: NodeContext(node), start: 0, end: nil) }
        registry.register("Shape", versions: 15...21) { node throws(ModelError) in try ShapeKernel(node) }
    }
}
