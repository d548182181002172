package io.tetragonroutes.app;

import io.quarkus.arc.Unremovable;
import jakarta.inject.Singleton;
import org.apache.camel.Ordered;
import org.apache.camel.spi.PropertiesSource;
import org.eclipse.microprofile.config.ConfigProvider;

/**
 * Resolves the routes' and kamelets' {@code {{placeholders}}} from the application's configuration
 * (application.properties, environment, {@code -D}), the same lookup as camel-microprofile-config's source, ahead of
 * it. That source is "loadable", and for every placeholder it resolves, Camel 4.14's {@code DefaultPropertiesLookup}
 * loads every configuration property (environment included) to find the value's location, which that source does not
 * record anyway. With a few hundred placeholders, that was about a quarter of the main thread's start-up (README >
 * Performance > Start-up). This source is not loadable, so Camel takes its name as the location.
 */
@Singleton
@Unremovable // found by type in Camel's registry, never injected
public class ConfigPlaceholders implements PropertiesSource, Ordered {

    @Override
    public String getName() {
        return "application config";
    }

    @Override
    public String getProperty(String name) {
        return ConfigProvider.getConfig().getOptionalValue(name, String.class).orElse(null);
    }

    @Override
    public int getOrder() {
        return HIGHEST;
    }
}
