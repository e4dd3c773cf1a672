-- One database per service (database-per-service: no service reads another's tables).
CREATE DATABASE registration;
CREATE DATABASE schedule;
CREATE DATABASE notifications;
