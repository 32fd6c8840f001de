"""The applicant's side (issue 17): the online platform's intake API and the applicants' status look-up."""
