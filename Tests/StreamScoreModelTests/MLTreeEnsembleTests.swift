import Testing
@testable import StreamScoreModel

@Suite("ML TreeEnsemble")
struct MLTreeEnsembleTests {
    /// One split on feature 0 at 2.0: true → 10, false → 20.
    func stump(_ mode: String, missingTrue: Int64 = 0) -> [String: Attribute] {
        var t = MLTreeBuilder()
        t.branch(0, feature: 0, mode, 2, true: 1, false: 2, missingTrue: missingTrue)
        t.leaf(1, [(0, 10)])
        t.leaf(2, [(0, 20)])
        var a = t.attributes(prefix: "target_")
        a["n_targets"] = .int(1)
        return a
    }

    func regress(_ attributes: [String: Attribute], _ rows: [[Float]], version: Int = 3) throws -> [Float] {
        MLTest.floats(try MLTest.run("TreeEnsembleRegressor", version: version, attributes, rows: rows)[0])
    }

    @Test("each branch mode compares x with the threshold as specified", arguments: [
        ("BRANCH_LEQ", [Float(10), 10, 20]), ("BRANCH_LT", [10, 20, 20]), ("BRANCH_GTE", [20, 10, 10]),
        ("BRANCH_GT", [20, 20, 10]), ("BRANCH_EQ", [20, 10, 20]), ("BRANCH_NEQ", [10, 20, 10]),
    ])
    func modes(mode: String, expected: [Float]) throws {
        #expect(try regress(stump(mode), [[1], [2], [3]]) == expected)
        #expect(try regress(stump(mode), [[1], [2], [3]], version: 1) == expected)
    }

    @Test("mixed modes in one tree")
    func mixedModes() throws {
        var t = MLTreeBuilder()
        t.branch(0, feature: 0, "BRANCH_LEQ", 2, true: 1, false: 2)
        t.branch(1, feature: 1, "BRANCH_GT", 5, true: 3, false: 4)
        t.leaf(2, [(0, 3)])
        t.leaf(3, [(0, 1)])
        t.leaf(4, [(0, 2)])
        var a = t.attributes(prefix: "target_")
        a["n_targets"] = .int(1)
        #expect(try regress(a, [[1, 6], [1, 5], [3, 0]]) == [1, 2, 3])
    }

    @Test("NaN goes to the true branch only when nodes_missing_value_tracks_true is set")
    func missingValues() throws {
        let nan = Float.nan
        #expect(try regress(stump("BRANCH_LEQ", missingTrue: 1), [[nan], [3]]) == [10, 20])
        #expect(try regress(stump("BRANCH_LEQ", missingTrue: 0), [[nan], [1]]) == [20, 10])
        // IEEE: NaN != 2 is true, NaN < 2 is false.
        #expect(try regress(stump("BRANCH_NEQ"), [[nan]]) == [10])
        #expect(try regress(stump("BRANCH_LT"), [[nan]]) == [20])
        let double = try MLTest.kernel("TreeEnsembleRegressor", version: 3, stump("BRANCH_LEQ", missingTrue: 1))
            .run([.tensor(Tensor(shape: [1, 1], float64: [.nan]))])
        #expect(MLTest.floats(double[0]) == [10])
    }

    /// Tree 0 splits feature 0 at 0.5 (1 | 4), tree 1 splits feature 1 at 0.5 (3 | −2).
    func twoTrees(_ aggregate: String, base: [Float]? = nil) -> [String: Attribute] {
        var t = MLTreeBuilder()
        t.branch(tree: 0, 0, feature: 0, "BRANCH_LEQ", 0.5, true: 1, false: 2)
        t.leaf(tree: 0, 1, [(0, 1)])
        t.leaf(tree: 0, 2, [(0, 4)])
        t.branch(tree: 1, 0, feature: 1, "BRANCH_LEQ", 0.5, true: 1, false: 2)
        t.leaf(tree: 1, 1, [(0, 3)])
        t.leaf(tree: 1, 2, [(0, -2)])
        var a = t.attributes(prefix: "target_")
        a["n_targets"] = .int(1)
        a["aggregate_function"] = .string(aggregate)
        if let base { a["base_values"] = .floats(base) }
        return a
    }

    @Test("SUM, AVERAGE, MIN and MAX aggregation, with and without base_values", arguments: [
        ("SUM", [Float(4), 2], [Float(14), 12]), ("AVERAGE", [2, 1], [12, 11]),
        ("MIN", [1, -2], [11, 8]), ("MAX", [3, 4], [13, 14]),
    ])
    func aggregation(name: String, plain: [Float], withBase: [Float]) throws {
        let rows: [[Float]] = [[0, 0], [1, 1]]
        #expect(try regress(twoTrees(name), rows) == plain)
        #expect(try regress(twoTrees(name, base: [10]), rows) == withBase)
    }

    @Test("multi-target regressor: per-target base values, unscored target outputs 0 like onnxruntime")
    func multiTarget() throws {
        var t = MLTreeBuilder()
        t.branch(0, feature: 0, "BRANCH_LEQ", 0, true: 1, false: 2)
        t.leaf(1, [(0, 1), (1, 2)])
        t.leaf(2, [(0, 3)])
        var a = t.attributes(prefix: "target_")
        a["n_targets"] = .int(3)
        a["base_values"] = .floats([10, 20, 30])
        // Row 0 reaches leaf 1: targets 0 and 1 scored; row 1 reaches leaf 2: only target 0.
        #expect(try regress(a, [[0], [1]]) == [11, 22, 0, 13, 0, 0])
        a["post_transform"] = .string("SOFTMAX")
        let softmax = try regress(a, [[0]])
        // softmax([11, 22, 0]) computed in float.
        #expect(MLTest.close(softmax, [1.67017e-05, 0.99998330, 2.7894681e-10]))
    }

    @Test("single-target regressor applies only PROBIT as post transform")
    func singleTargetTransforms() throws {
        var a = stump("BRANCH_LEQ")
        a["post_transform"] = .string("LOGISTIC")
        #expect(try regress(a, [[1]]) == [10])
        var t = MLTreeBuilder()
        t.leaf(0, [(0, 0.975)])
        var p = t.attributes(prefix: "target_")
        p["n_targets"] = .int(1)
        p["post_transform"] = .string("PROBIT")
        #expect(MLTest.close(try regress(p, [[0]]), [1.9590493]))
    }

    // MARK: Classifier

    /// One tree that is a single leaf carrying `weights` for classes 0, 1, 2.
    func leafClassifier(_ weights: [Float], transform: String = "NONE", labels: [Int64] = [7, 8, 9],
                        base: [Float]? = nil) -> [String: Attribute] {
        var t = MLTreeBuilder()
        t.leaf(0, weights.enumerated().map { (Int64($0.offset), $0.element) })
        var a = t.attributes(prefix: "class_")
        a["classlabels_int64s"] = .ints(labels)
        a["post_transform"] = .string(transform)
        if let base { a["base_values"] = .floats(base) }
        return a
    }

    func classify(_ attributes: [String: Attribute], _ rows: [[Float]]) throws -> (labels: [Int64], scores: [Float]) {
        let out = try MLTest.run("TreeEnsembleClassifier", version: 3, attributes, rows: rows)
        return (MLTest.int64s(out[0]), MLTest.floats(out[1]))
    }

    @Test("post transforms on known scores", arguments: [
        ("NONE", [Float(1), 2, 3], [Float(1), 2, 3]),
        ("LOGISTIC", [1, 2, 3], [0.7310586, 0.880797, 0.95257413]),
        ("SOFTMAX", [1, 2, 3], [0.09003057, 0.24472846, 0.66524094]),
        ("SOFTMAX_ZERO", [0, 1, 2], [0, 0.26894143, 0.7310586]),
        ("PROBIT", [0.5, 0.975, 0.1], [0, 1.9590493, -1.2817129]),
    ])
    func postTransforms(name: String, weights: [Float], expected: [Float]) throws {
        let result = try classify(leafClassifier(weights, transform: name), [[0]])
        #expect(MLTest.close(result.scores, expected), "\(name): \(result.scores)")
        #expect(result.labels == [weights[2] > weights[1] ? 9 : 8])
    }

    @Test("onnxruntime's probit approximation stays within 1e-3 of the true quantile")
    func probitAccuracy() {
        #expect(MLMath.probit(0.5) == 0)
        #expect(abs(MLMath.probit(0.975) - 1.959964) < 1e-3)
        #expect(abs(MLMath.probit(0.975) - 1.9590493) < 1e-6)
    }

    @Test("label is the first class among equal top scores; base_values are added")
    func labelTiesAndBase() throws {
        #expect(try classify(leafClassifier([2, 2, 1]), [[0]]).labels == [7])
        let based = try classify(leafClassifier([1, 2, 3], base: [3, 0, 0.5]), [[0]])
        #expect(based.labels == [7])
        #expect(based.scores == [4, 2, 3.5])
        var strings = leafClassifier([1, 3, 2])
        strings["classlabels_int64s"] = nil
        strings["classlabels_strings"] = .strings(["a", "b", "c"])
        let out = try MLTest.run("TreeEnsembleClassifier", version: 3, strings, rows: [[0]])
        #expect(MLTest.strings(out[0]) == ["b"])
    }

    /// skl2onnx's binary forest: class id 0 only, carrying the class-1 probability per tree.
    func binaryForest(_ leaves: [(Float, Float)], transform: String = "NONE", base: [Float]? = nil) -> [String: Attribute] {
        var t = MLTreeBuilder()
        for (tree, (left, right)) in leaves.enumerated() {
            let id = Int64(tree)
            t.branch(tree: id, 0, feature: 0, "BRANCH_LEQ", 0.5, true: 1, false: 2)
            t.leaf(tree: id, 1, [(0, left)])
            t.leaf(tree: id, 2, [(0, right)])
        }
        var a = t.attributes(prefix: "class_")
        a["classlabels_int64s"] = .ints([0, 1])
        a["post_transform"] = .string(transform)
        if let base { a["base_values"] = .floats(base) }
        return a
    }

    @Test("binary case with positive weights gives [1 − p, p] and label 1 only above 0.5")
    func binaryPositive() throws {
        let forest = binaryForest([(0.25, 0.5), (0.15, 0.2)])
        let result = try classify(forest, [[0], [1]])
        #expect(MLTest.close(result.scores, [0.6, 0.4, 0.3, 0.7]))
        #expect(result.labels == [0, 1])
        let half = try classify(binaryForest([(0.25, 0.5), (0.25, 0.2)]), [[0]])
        #expect(half.labels == [0])
        // The post transform is not applied in this case.
        let logistic = try classify(binaryForest([(0.25, 0.5), (0.15, 0.2)], transform: "LOGISTIC"), [[1]])
        #expect(MLTest.close(logistic.scores, [0.3, 0.7]))
    }

    @Test("binary case with mixed-sign weights: LOGISTIC gives [σ(−s), σ(s)], NONE gives [−s, s]")
    func binaryMixed() throws {
        let result = try classify(binaryForest([(-0.25, 0.5), (-0.25, 0.5)], transform: "LOGISTIC"), [[0], [1]])
        #expect(MLTest.close(result.scores, [0.62245935, 0.37754068, 0.26894143, 0.7310586]))
        #expect(result.labels == [0, 1])
        let raw = try classify(binaryForest([(-0.25, 0.5), (-0.25, 0.5)], base: [0.75]), [[0]])
        #expect(MLTest.close(raw.scores, [-0.25, 0.25]))
        #expect(raw.labels == [1])
    }

    @Test("two classes with weights on both ids: label is onnxruntime's raw 1/0 from the class-1 score")
    func twoClassesBothIds() throws {
        var t = MLTreeBuilder()
        t.leaf(0, [(0, 0.4), (1, 0.6)])
        var a = t.attributes(prefix: "class_")
        a["classlabels_int64s"] = .ints([5, 7])
        let result = try classify(a, [[0]])
        #expect(result.scores == [0.4, 0.6])
        #expect(result.labels == [1])
    }

    @Test("v3 *_as_tensor doubles; double inputs compare in double precision, int inputs convert")
    func tensorAttributesAndInputTypes() throws {
        var t = MLTreeBuilder()
        t.branch(0, feature: 0, "BRANCH_LEQ", 0, true: 1, false: 2)
        t.leaf(1, [(0, 10)])
        t.leaf(2, [(0, 20)])
        var a = t.attributes(prefix: "target_", asTensors: true)
        a["nodes_values_as_tensor"] = .tensor(Tensor(shape: [3], float64: [0.1, 0, 0]))
        a["n_targets"] = .int(1)
        let kernel = try MLTest.kernel("TreeEnsembleRegressor", version: 3, a)
        // 0.1000000001 > 0.1 in double, but rounds to 0.1f in float.
        let double = try kernel.run([.tensor(Tensor(shape: [2, 1], float64: [0.1, 0.1000000001]))])
        #expect(MLTest.floats(double[0]) == [10, 20])
        let float = try kernel.run([.tensor(Tensor(shape: [1, 1], float32: [Float(0.1000000001)]))])
        #expect(MLTest.floats(float[0]) == [10])
        let ints = try kernel.run([.tensor(Tensor(shape: [2, 1], int64: [0, 1]))])
        #expect(MLTest.floats(ints[0]) == [10, 20])
        let int32s = try kernel.run([.tensor(Tensor(shape: [1], int32: [1]))])
        #expect(MLTest.floats(int32s[0]) == [20])
    }

    @Test("many rows agree with row-by-row evaluation across blocks")
    func blocks() throws {
        let kernel = try MLTest.kernel("TreeEnsembleRegressor", version: 3, twoTrees("SUM"))
        var rows: [Float] = []
        var expected: [Float] = []
        for i in 0..<200 {
            let a = Float(i % 2), b = Float((i / 2) % 2)
            rows += [a, b]
            expected.append((a <= 0.5 ? 1 : 4) + (b <= 0.5 ? 3 : -2))
        }
        let out = try kernel.run([.tensor(Tensor(shape: [200, 2], float32: rows))])
        #expect(MLTest.floats(out[0]) == expected)
    }

    @Test("load-time validation names the problem")
    func validation() throws {
        var missingChild = stump("BRANCH_LEQ")
        missingChild["nodes_truenodeids"] = .ints([7, 0, 0])
        #expect(MLTest.loadError("TreeEnsembleRegressor", version: 3, missingChild)?.contains("missing true child 7") == true)

        var cycle = MLTreeBuilder()
        cycle.branch(0, feature: 0, "BRANCH_LEQ", 0, true: 1, false: 2)
        cycle.branch(1, feature: 0, "BRANCH_LEQ", 0, true: 0, false: 2)
        cycle.leaf(2, [(0, 1)])
        var cyclic = cycle.attributes(prefix: "target_")
        cyclic["n_targets"] = .int(1)
        #expect(MLTest.loadError("TreeEnsembleRegressor", version: 3, cyclic)?.contains("cycle") == true)

        var lengths = stump("BRANCH_LEQ")
        lengths["nodes_values"] = .floats([1, 2])
        #expect(MLTest.loadError("TreeEnsembleRegressor", version: 3, lengths)?.contains("nodes_values has 2 entries") == true)

        var mode = stump("BRANCH_LEQ")
        mode["nodes_modes"] = .strings(["BRANCH_XX", "LEAF", "LEAF"])
        #expect(MLTest.loadError("TreeEnsembleRegressor", version: 3, mode)?.contains("BRANCH_XX") == true)

        var target = stump("BRANCH_LEQ")
        target["target_ids"] = .ints([0, 3])
        #expect(MLTest.loadError("TreeEnsembleRegressor", version: 3, target)?.contains("targets id 3") == true)

        var duplicate = stump("BRANCH_LEQ")
        duplicate["nodes_nodeids"] = .ints([0, 1, 1])
        #expect(MLTest.loadError("TreeEnsembleRegressor", version: 3, duplicate)?.contains("appears twice") == true)

        var noTargets = stump("BRANCH_LEQ")
        noTargets["n_targets"] = nil
        #expect(MLTest.loadError("TreeEnsembleRegressor", version: 3, noTargets)?.contains("n_targets") == true)

        let kernel = try MLTest.kernel("TreeEnsembleRegressor", version: 3, twoTrees("SUM"))
        #expect(throws: ModelError.self) { try kernel.run([.tensor(Tensor(shape: [1, 1], float32: [0]))]) }
    }

    @Test("TreeEnsemble v1 and v3 are registered for ai.onnx.ml opsets 1-4, not 5")
    func versions() {
        for version in 1...4 {
            #expect((try? MLTest.kernel("TreeEnsembleRegressor", version: version, stump("BRANCH_LEQ"))) != nil)
        }
        #expect(throws: ModelError.self) { try MLTest.kernel("TreeEnsembleRegressor", version: 5, stump("BRANCH_LEQ")) }
    }
}
