<!-- assets/app.js -->
