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

-- KEDA scales notification workers on the email backlog too. Its role can call one function
-- that counts due queued emails and read nothing else (no personal data). plpgsql resolves
-- the `emails` table at call time, so this works before the service has created it.
CREATE ROLE keda_reader LOGIN PASSWORD 'keda-change-me';
GRANT CONNECT ON DATABASE notifications TO keda_reader;
\connect notifications
CREATE FUNCTION public.forum_due_emails() RETURNS bigint
    LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public
    AS $$ BEGIN
        RETURN (SELECT count(*) FROM emails WHERE status = 'queued' AND next_attempt_at <= now());
    END $$;
ALTER FUNCTION public.forum_due_emails() OWNER TO notifications;
REVOKE ALL ON FUNCTION public.forum_due_emails() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.forum_due_emails() TO keda_reader;
