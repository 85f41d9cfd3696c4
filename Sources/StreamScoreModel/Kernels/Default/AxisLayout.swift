extension DefaultKernels {
    /// A tensor viewed as `[outer, axis, inner]` around one axis (ArgMax, Softmax, TopK).
    struct AxisLayout {
        let outer: Int
        let axis: Int
        let inner: Int

        init(shape: [Int], axis: Int) {
            outer = elementCount(shape.prefix(axis))
            self.axis = shape[axis]
            inner = elementCount(shape.dropFirst(axis + 1))
        }

        init(outer: Int, axis: Int, inner: Int) {
            self.outer = outer
            self.axis = axis
            self.inner = inner
        }
    }

    /// How to bring the reduced axes of a tensor into `[outer, reduced, inner]` form: either
    /// directly (the reduced axes are contiguous once size-1 axes are ignored) or after a
    /// transpose that moves every reduced axis last.
    struct ReductionLayout {
        /// The permutation to apply first, if the reduced axes are not contiguous.
        let permutation: [Int]?
        let layout: AxisLayout

        init(shape: [Int], reducedAxes: [Int]) {
            let reduced = Set(reducedAxes)
            let significant = shape.indices.filter { shape[$0] != 1 }
            let reducedPositions = significant.filter { reduced.contains($0) }
            let reducedCount = reducedAxes.reduce(1) { $0 * shape[$1] }
            let total = elementCount(shape)
            let contiguous = reducedPositions.isEmpty || {
                let first = significant.firstIndex(of: reducedPositions.first!)!
                return Array(significant[first..<(first + reducedPositions.count)]) == reducedPositions
            }()
            if contiguous {
                permutation = nil
                if let first = reducedPositions.first, let last = reducedPositions.last {
                    layout = AxisLayout(outer: elementCount(shape.prefix(first)), axis: reducedCount,
                                        inner: elementCount(shape.dropFirst(last + 1)))
                } else {
                    // Every reduced axis has size 1.
                    layout = AxisLayout(outer: total, axis: 1, inner: 1)
                }
            } else {
                let kept = shape.indices.filter { !reduced.contains($0) }
                permutation = kept + reducedAxes.sorted()
                layout = AxisLayout(outer: kept.reduce(1) { $0 * shape[$1] }, axis: reducedCount, inner: 1)
            }
        }
    }
}
