export default function AppointmentsPage() { return <h1>Appointments</h1>; }
