/** Minimal ambient declaration for dcmjs 0.51 (the package ships no types). */
declare module 'dcmjs' {
  const dcmjs: any;
  export default dcmjs;
}
