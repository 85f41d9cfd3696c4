extension DefaultKernels {
    enum ReduceOperator: Sendable {
        case sum, sumSquare, mean, max, min, logSumExp
    }

    /// ReduceSum, ReduceSumSquare, ReduceMean, ReduceMax, ReduceMin, ReduceLogSumExp.
    /// Axes come from the `axes` attribute (ReduceSum before 13, the others before 18) or the
    /// optional second input (after). With no axes every axis is reduced, unless
    /// `noop_with_empty_axes`=1 (input form only), which returns the input unchanged.
    struct ReduceKernel: Kernel {
        let context: NodeContext
        let operation: ReduceOperator
        let axesAttribute: [Int]?
        let axesFromInput: Bool
        let keepDims: Bool
        let noopWithEmptyAxes: Bool

        init(_ node: NodeInfo, _ operation: ReduceOperator, axesFromInput: Bool) throws(ModelError) {
            let attributes = Attributes(node)
            context = attributes.context
            self.operation = operation
            self.axesFromInput = axesFromInput
            axesAttribute = axesFromInput ? nil : try attributes.ints("axes")
            keepDims = try attributes.flag("keepdims", default: true)
            let noop = try attributes.flag("noop_with_empty_axes", default: false)
            noopWithEmptyAxes = axesFromInput && noop
        }

        func unsupportedType(_ tensor: Tensor) -> ModelError {
            context.failure("unsupported element type \(tensor.elementType)")
        }

        func run(_ inputs: [Value?]) throws(ModelError) -> [Value] {
            let data = try tensorInput(inputs, 0, context)
            var axes = axesAttribute ?? []
            if axesFromInput, let tensor = try optionalTensorInput(inputs, 1, context) {
                axes = try integers(tensor, "axes", context.failure)
            }
            if axes.isEmpty {
                if noopWithEmptyAxes { return [.tensor(data)] }
                axes = Array(0..<data.rank)
            }
            let reduced = try normalizedAxes(axes, rank: data.rank, context.failure)
            var shape: [Int] = []
            for (axis, dim) in data.shape.enumerated() {
                if !reduced.contains(axis) { shape.append(dim) } else if keepDims { shape.append(1) }
            }
            let plan = ReductionLayout(shape: data.shape, reducedAxes: reduced)
            var source = data
            if let permutation = plan.permutation {
                let strides = rowMajorStrides(data.shape)
                let permutedShape = permutation.map { data.shape[$0] }
                source = Tensor(shape: permutedShape, data: try visitStorage(
                    data.data, StridedCopier(base: 0, shape: permutedShape, strides: permutation.map { strides[$0] })))
            }
            let result: TensorData
            if operation == .logSumExp {
                result = try visitFloating(source.data, LogSumExpReducer(layout: plan.layout), unsupported: unsupportedType(data))
            } else {
                result = try visitNumeric(source.data, Reducer(operation: operation, layout: plan.layout), unsupported: unsupportedType(data))
            }
            return [.tensor(Tensor(shape: shape, data: result))]
        }

        struct Reducer: NumericVisitor {
            typealias Output = TensorData
            let operation: ReduceOperator
            let layout: AxisLayout

            func visit<N: NumericType>(_ type: N.Type, _ values: [N.Scalar]) throws(ModelError) -> TensorData {
                switch operation {
                case .sum: return N.wrap(reduce(values, N.zero, { N.add($0, $1) }, { $0 }))
                case .sumSquare: return N.wrap(reduce(values, N.zero, { N.add($0, N.multiply($1, $1)) }, { $0 }))
                case .mean:
                    let count = N.fromInt(layout.axis)
                    return N.wrap(reduce(values, N.zero, { N.add($0, $1) }, { N.divide($0, count) }))
                case .max: return N.wrap(reduce(values, N.lowest, { N.maximum($0, $1) }, { $0 }))
                case .min: return N.wrap(reduce(values, N.highest, { N.minimum($0, $1) }, { $0 }))
                case .logSumExp: preconditionFailure("handled by LogSumExpReducer")
                }
            }

            /// Folds each `[outer, axis, inner]` column with `combine`, then maps it with `finish`.
            @inline(__always)
            func reduce<T>(_ values: [T], _ initial: T, _ combine: (T, T) -> T, _ finish: (T) -> T) -> [T] {
                let outer = layout.outer, length = layout.axis, inner = layout.inner
                return values.withUnsafeBufferPointer { source in
                    makeArray(count: outer * inner) { (out: UnsafeMutablePointer<T>) in
                        let input = address(source)
                        for row in 0..<outer {
                            let block = input + row * length * inner
                            let target = out + row * inner
                            if inner == 1 {
                                var accumulator = initial
                                for index in 0..<length { accumulator = combine(accumulator, block[index]) }
                                target.initialize(to: finish(accumulator))
                            } else {
                                target.initialize(repeating: initial, count: inner)
                                for step in 0..<length {
                                    let line = block + step * inner
                                    for column in 0..<inner { target[column] = combine(target[column], line[column]) }
                                }
                                for column in 0..<inner { target[column] = finish(target[column]) }
                            }
                        }
                    }
                }
            }
        }

        /// `log(sum(exp(x)))`, computed as `max + log(sum(exp(x - max)))` for stability.
        struct LogSumExpReducer: FloatingVisitor {
            typealias Output = TensorData
            let layout: AxisLayout

            func visit<F: FloatingType>(_ type: F.Type, _ values: [F.Scalar]) throws(ModelError) -> TensorData {
                let outer = layout.outer, length = layout.axis, inner = layout.inner
                let result = values.withUnsafeBufferPointer { source in
                    makeArray(count: outer * inner) { (out: UnsafeMutablePointer<F.Scalar>) in
                        let input = address(source)
                        for row in 0..<outer {
                            for column in 0..<inner {
                                let start = input + row * length * inner + column
                                var largest = F.lowest
                                for step in 0..<length { largest = F.maximum(largest, start[step * inner]) }
                                if !largest.isFinite {
                                    // All -inf (or empty), +inf or NaN: the naive formula gives the right answer.
                                    var sum = F.zero
                                    for step in 0..<length { sum += F.exp(start[step * inner]) }
                                    (out + row * inner + column).initialize(to: F.log(sum))
                                    continue
                                }
                                var sum = F.zero
                                for step in 0..<length { sum += F.exp(start[step * inner] - largest) }
                                (out + row * inner + column).initialize(to: F.log(sum) + largest)
                            }
                        }
                    }
                }
                return F.wrap(result)
            }
        }
    }

    /// Registers the Reduce* operators. ReduceSum takes axes as an input from opset 13, the
    /// others from 18; ReduceMax/ReduceMin 20 only add types.
    static func registerReduceKernels(into registry: inout KernelRegistry) {
        let operators: [(String, ReduceOperator, Int)] = [
            ("ReduceSum", .sum, 13), ("ReduceSumSquare", .sumSquare, 18), ("ReduceMean", .mean, 18),
            ("ReduceMax", .max, 18), ("ReduceMin", .min, 18), ("ReduceLogSumExp", .logSumExp, 18),
        ]
        for (op, operation, inputVersion) in operators {
            registry.register(op, versions: 1...(inputVersion - 1)) { node throws(ModelError) in
                try ReduceKernel(node, operation, axesFromInput: false)
            }
            registry.register(op, versions: inputVersion...21) { node throws(ModelError) in
                try ReduceKernel(node, operation, axesFromInput: true)
            }
        }
    }
}
