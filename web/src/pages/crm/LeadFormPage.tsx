export default function LeadFormPage() { return <h1>Lead form</h1>; }
