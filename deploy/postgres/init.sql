-- One database per service, each owned by its own role (database-per-service: no service can
-- even connect to another's database). Run once by the postgres image on an empty data
-- directory. The passwords are PLACEHOLDERS matching docker-compose.yml: change both together
-- (ALTER ROLE registration PASSWORD '...') outside a laptop.
CREATE ROLE registration LOGIN PASSWORD 'registration-change-me';
CREATE ROLE schedule LOGIN PASSWORD 'schedule-change-me';
CREATE ROLE notifications LOGIN PASSWORD 'notifications-change-me';

CREATE DATABASE registration OWNER registration;
CREATE DATABASE schedule OWNER schedule;
CREATE DATABASE notifications OWNER notifications;

REVOKE ALL ON DATABASE registration FROM PUBLIC;
REVOKE ALL ON DATABASE schedule FROM PUBLIC;
REVOKE ALL ON DATABASE notifications FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE registration TO registration;
GRANT CONNECT, TEMPORARY ON DATABASE schedule TO schedule;
GRANT CONNECT, TEMPORARY ON DATABASE notifications TO notifications;
