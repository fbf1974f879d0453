-- The last run's registrations, with the fields Splink reads (linkage.increment.LINKAGE_FIELDS).
SELECT registration, forename, surname, dob, sex, postcode, postcodes FROM link.registration;
