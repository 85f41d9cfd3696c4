import Testing
@testable import StreamScoreModel

@Suite("ML transformers")
struct MLTransformerTests {
    @Test("Scaler: per-feature and broadcast offset/scale")
    func scaler() throws {
        let broadcast = try MLTest.run("Scaler", ["offset": .floats([1]), "scale": .floats([2])], rows: [[1, 2], [3, 4]])
        #expect(MLTest.floats(broadcast[0]) == [0, 2, 4, 6])
        let perFeature = try MLTest.run("Scaler", ["offset": .floats([1, 2]), "scale": .floats([1, 0.5])], rows: [[1, 2], [3, 4]])
        #expect(MLTest.floats(perFeature[0]) == [0, 0, 2, 1])
        let k = try MLTest.kernel("Scaler", ["offset": .floats([0, 0, 0]), "scale": .floats([1, 1, 1])])
        #expect(throws: ModelError.self) { try k.run([.tensor(Tensor(shape: [1, 2], float32: [1, 2]))]) }
        let doubles = try MLTest.kernel("Scaler", ["offset": .floats([0.5]), "scale": .floats([2])])
            .run([.tensor(Tensor(shape: [1, 1], float64: [1.5]))])
        #expect(MLTest.floats(doubles[0]) == [2])
    }

    @Test("Normalizer L1, L2 and MAX per row; a zero row is copied")
    func normalizer() throws {
        let rows: [[Float]] = [[3, -4], [0, 0]]
        let l1 = MLTest.floats(try MLTest.run("Normalizer", ["norm": .string("L1")], rows: rows)[0])
        #expect(MLTest.close(l1, [3.0 / 7, -4.0 / 7, 0, 0]))
        let l2 = MLTest.floats(try MLTest.run("Normalizer", ["norm": .string("L2")], rows: rows)[0])
        #expect(MLTest.close(l2, [0.6, -0.8, 0, 0]))
        let max = MLTest.floats(try MLTest.run("Normalizer", ["norm": .string("MAX")], rows: rows)[0])
        #expect(MLTest.close(max, [1, -4.0 / 3, 0, 0]))
        #expect(MLTest.loadError("Normalizer", ["norm": .string("L3")]) != nil)
    }

    @Test("Imputer replaces NaN when replaced_value_float is NaN; int64 variant")
    func imputer() throws {
        let nan = Float.nan
        let out = try MLTest.run("Imputer", ["imputed_value_floats": .floats([10, 20]), "replaced_value_float": .float(.nan)],
                                 rows: [[nan, 1], [2, nan]])
        #expect(MLTest.floats(out[0]) == [10, 1, 2, 20])
        let single = try MLTest.run("Imputer", ["imputed_value_floats": .floats([7]), "replaced_value_float": .float(-1)],
                                    rows: [[-1, nan]])
        let values = MLTest.floats(single[0])
        #expect(values[0] == 7 && values[1].isNaN)
        let ints = try MLTest.kernel("Imputer", ["imputed_value_int64s": .ints([9]), "replaced_value_int64": .int(0)])
            .run([.tensor(Tensor(shape: [2], int64: [0, 5]))])
        #expect(MLTest.int64s(ints[0]) == [9, 5])
    }

    @Test("OneHotEncoder with strings: unknown category is all zeros with zeros=1, an error with zeros=0")
    func oneHot() throws {
        let input = Value.tensor(Tensor(shape: [2], string: ["b", "z"]))
        let lenient = try MLTest.kernel("OneHotEncoder", ["cats_strings": .strings(["a", "b", "c"]), "zeros": .int(1)])
        let out = try lenient.run([input])
        #expect(MLTest.floats(out[0]) == [0, 1, 0, 0, 0, 0])
        #expect(MLTest.shape(out[0]) == [2, 3])
        let strict = try MLTest.kernel("OneHotEncoder", ["cats_strings": .strings(["a", "b", "c"]), "zeros": .int(0)])
        #expect(throws: ModelError.self) { try strict.run([input]) }
        let numbers = try MLTest.kernel("OneHotEncoder", ["cats_int64s": .ints([3, 5])])
            .run([.tensor(Tensor(shape: [1, 2], float32: [5, 4]))])
        #expect(MLTest.floats(numbers[0]) == [0, 1, 0, 0])
        #expect(MLTest.shape(numbers[0]) == [1, 2, 2])
    }

    @Test("LabelEncoder v1: classes_strings both ways with defaults")
    func labelEncoderV1() throws {
        let k = try MLTest.kernel("LabelEncoder", version: 1, ["classes_strings": .strings(["a", "b", "c"]), "default_int64": .int(42)])
        #expect(MLTest.int64s(try k.run([.tensor(Tensor(shape: [2], string: ["c", "x"]))])[0]) == [2, 42])
        #expect(MLTest.strings(try k.run([.tensor(Tensor(shape: [2], int64: [1, 7]))])[0]) == ["b", "_Unused"])
    }

    @Test("LabelEncoder v2: keys/values with default values per type")
    func labelEncoderV2() throws {
        let s2i = try MLTest.kernel("LabelEncoder", version: 2, ["keys_strings": .strings(["x", "y", "x"]), "values_int64s": .ints([10, 20, 30])])
        #expect(MLTest.int64s(try s2i.run([.tensor(Tensor(shape: [3], string: ["y", "q", "x"]))])[0]) == [20, -1, 10])
        let i2s = try MLTest.kernel("LabelEncoder", version: 2, ["keys_int64s": .ints([1, 2]), "values_strings": .strings(["one", "two"]),
                                                                 "default_string": .string("?")])
        #expect(MLTest.strings(try i2s.run([.tensor(Tensor(shape: [2], int64: [2, 3]))])[0]) == ["two", "?"])
        let f2f = try MLTest.kernel("LabelEncoder", version: 2, ["keys_floats": .floats([0.5, .nan]), "values_floats": .floats([5, 6])])
        let floats = MLTest.floats(try f2f.run([.tensor(Tensor(shape: [3], float32: [0.5, 9, .nan]))])[0])
        #expect(floats[0] == 5)
        #expect(floats[1] == 0 && floats[1].sign == .minus)  // default -0.0
        #expect(floats[2] == 0 && floats[2].sign == .minus)  // NaN keys never match before v4
        #expect(MLTest.loadError("LabelEncoder", version: 2, ["keys_strings": .strings(["x"]), "values_int64s": .ints([1, 2])]) != nil)
    }

    @Test("LabelEncoder v4: tensor keys, NaN key matches NaN")
    func labelEncoderV4() throws {
        let k = try MLTest.kernel("LabelEncoder", version: 4, [
            "keys_tensor": .tensor(Tensor(shape: [2], float64: [1.5, .nan])),
            "values_tensor": .tensor(Tensor(shape: [2], int64: [1, 2])),
            "default_tensor": .tensor(Tensor(shape: [1], int64: [-7])),
        ])
        #expect(MLTest.int64s(try k.run([.tensor(Tensor(shape: [3], float64: [.nan, 1.5, 2]))])[0]) == [2, 1, -7])
    }

    @Test("ArrayFeatureExtractor selects along the last axis")
    func arrayFeatureExtractor() throws {
        let k = try MLTest.kernel("ArrayFeatureExtractor", inputs: ["X", "Y"], [:])
        let picked = try k.run([.tensor(Tensor(shape: [2, 3], float32: [1, 2, 3, 4, 5, 6])), .tensor(Tensor(shape: [2], int64: [2, 0]))])
        #expect(MLTest.floats(picked[0]) == [3, 1, 6, 4])
        #expect(MLTest.shape(picked[0]) == [2, 2])
        let vector = try k.run([.tensor(Tensor(shape: [3], string: ["p", "q", "r"])), .tensor(Tensor(shape: [1], int64: [1]))])
        #expect(MLTest.strings(vector[0]) == ["q"])
        #expect(MLTest.shape(vector[0]) == [1, 1])
        #expect(throws: ModelError.self) {
            try k.run([.tensor(Tensor(shape: [3], float32: [1, 2, 3])), .tensor(Tensor(shape: [1], int64: [3]))])
        }
    }

    @Test("ZipMap builds one map per row with int64 or string keys")
    func zipMap() throws {
        let out = try MLTest.run("ZipMap", ["classlabels_int64s": .ints([10, 20])], rows: [[0.1, 0.9], [0.6, 0.4]])
        guard case .mapSequence(let maps) = out[0], case .int64(let keys) = maps.keys else {
            Issue.record("expected an int64-keyed map sequence")
            return
        }
        #expect(keys == [10, 20])
        #expect(maps.rowCount == 2)
        #expect(maps.values == [0.1, 0.9, 0.6, 0.4])
        let strings = try MLTest.kernel("ZipMap", ["classlabels_strings": .strings(["a", "b", "c"])])
        #expect(throws: ModelError.self) { try strings.run([.tensor(Tensor(shape: [1, 2], float32: [0.5, 0.5]))]) }
    }

    @Test("Binarizer: strictly greater than the threshold; NaN is an error")
    func binarizer() throws {
        let k = try MLTest.kernel("Binarizer", ["threshold": .float(0.5)])
        #expect(MLTest.floats(try k.run([.tensor(Tensor(shape: [3], float32: [0.2, 0.5, 0.7]))])[0]) == [0, 0, 1])
        #expect(throws: ModelError.self) { try k.run([.tensor(Tensor(shape: [1], float32: [.nan]))]) }
    }

    @Test("FeatureVectorizer concatenates, truncating and zero-padding to inputdimensions")
    func featureVectorizer() throws {
        let k = try MLTest.kernel("FeatureVectorizer", inputs: ["A", "B"], ["inputdimensions": .ints([1, 2])])
        let out = try k.run([.tensor(Tensor(shape: [2, 2], float32: [1, 2, 3, 4])), .tensor(Tensor(shape: [2, 1], int64: [5, 6]))])
        #expect(MLTest.floats(out[0]) == [1, 5, 0, 3, 6, 0])
        #expect(MLTest.shape(out[0]) == [2, 3])
    }
}
