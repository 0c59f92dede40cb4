package mpo4j.architecture;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * What the architecture tests read from a compiled class: its constant pool (JVM spec §4.4), which names
 * every class, method and descriptor the class refers to, whatever the source's formatting, aliases or
 * qualified names.
 *
 * @param strings every CONSTANT_Utf8 entry (class names, descriptors, signatures, member names)
 * @param classNames the internal names of the CONSTANT_Class entries
 * @param methodRefs {owner class, method name} of every CONSTANT_Methodref and CONSTANT_InterfaceMethodref
 */
record ConstantPool(List<String> strings, List<String> classNames, List<String[]> methodRefs) {

    static ConstantPool read(InputStream classFile) throws IOException {
        DataInputStream in = new DataInputStream(classFile);
        if (in.readInt() != 0xCAFEBABE) {
            throw new IOException("not a class file");
        }
        in.readUnsignedShort();     // minor version
        in.readUnsignedShort();     // major version
        int count = in.readUnsignedShort();
        String[] utf8 = new String[count];
        int[] classNameIndex = new int[count];
        int[] nameAndTypeName = new int[count];
        List<Integer> classes = new ArrayList<>();
        List<int[]> refs = new ArrayList<>();       // {class index, name-and-type index}
        for (int i = 1; i < count; i++) {
            int tag = in.readUnsignedByte();
            switch (tag) {
                case 1 -> utf8[i] = in.readUTF();
                case 7 -> { classNameIndex[i] = in.readUnsignedShort(); classes.add(i); }
                case 10, 11 -> refs.add(new int[] {in.readUnsignedShort(), in.readUnsignedShort()});
                case 12 -> { nameAndTypeName[i] = in.readUnsignedShort(); in.readUnsignedShort(); }
                case 8, 16, 19, 20 -> in.readUnsignedShort();
                case 3, 4, 9, 17, 18 -> in.readInt();
                case 15 -> { in.readUnsignedByte(); in.readUnsignedShort(); }
                case 5, 6 -> { in.readLong(); i++; }     // 8-byte constants take two slots
                default -> throw new IOException("unknown constant pool tag " + tag);
            }
        }
        List<String> strings = new ArrayList<>();
        for (String s : utf8) {
            if (s != null) {
                strings.add(s);
            }
        }
        List<String> classNames = new ArrayList<>();
        for (int c : classes) {
            classNames.add(utf8[classNameIndex[c]]);
        }
        List<String[]> methodRefs = new ArrayList<>();
        for (int[] ref : refs) {
            methodRefs.add(new String[] {utf8[classNameIndex[ref[0]]], utf8[nameAndTypeName[ref[1]]]});
        }
        return new ConstantPool(strings, classNames, methodRefs);
    }
}
